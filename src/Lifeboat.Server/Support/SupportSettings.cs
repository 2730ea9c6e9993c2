using System.Globalization;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Server.Communication;
using Lifeboat.Support;
using Lifeboat.Support.Sla;

namespace Lifeboat.Server.Support;

/// <summary>
/// How the server's support desk is set up, from <c>Lifeboat:Support</c>: <c>PerAddressPerHour</c> (intake requests one e-mail
/// address may send, default 5), <c>PerNetworkPerMinute</c> (requests to the public intake from one network, a /24 of IPv4 or a /64
/// of IPv6, default 30), <c>IncidentTicketsEverySeconds</c> (how often open incidents get their per-site tickets, default 30; 0 turns
/// the pass off). Verification mail goes through the communication module's mail server and sender; the code's key is
/// &lt;home&gt;/support/verification.key, made on first start.
/// </summary>
public sealed class SupportSettings
{
    public const string Section = "Lifeboat:Support";

    public required int PerAddressPerHour { get; init; }

    public required int PerNetworkPerMinute { get; init; }

    public required TimeSpan IncidentTicketsEvery { get; init; }

    /// <summary>How often the SLA clocks and shifts pass runs (<c>ClocksEverySeconds</c>, default 30; 0 turns it off).</summary>
    public TimeSpan ClocksEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The shift table from <c>Lifeboat:Support:Shifts:&lt;team&gt;</c> = "07-16" (UTC hours, "23-08" past midnight) and
    /// <c>Lifeboat:Support:Regions:&lt;region&gt;</c> = team; none given: the default table (apac 23–08, emea 07–16, amer 15–24).
    /// </summary>
    public ShiftTable Shifts { get; init; } = new();

    public static SupportSettings Read(IConfiguration configuration) => new()
    {
        PerAddressPerHour = Math.Max(1, configuration.GetValue($"{Section}:PerAddressPerHour", 5)),
        PerNetworkPerMinute = Math.Max(1, configuration.GetValue($"{Section}:PerNetworkPerMinute", 30)),
        IncidentTicketsEvery = TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue($"{Section}:IncidentTicketsEverySeconds", 30))),
        ClocksEvery = TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue($"{Section}:ClocksEverySeconds", 30))),
        Shifts = ShiftsOf(configuration),
    };

    private static ShiftTable ShiftsOf(IConfiguration configuration)
    {
        var defaults = new ShiftTable();
        var shifts = configuration.GetSection($"{Section}:Shifts").GetChildren().Select(c => ShiftOf(c.Key, c.Value)).ToList();
        var regions = configuration.GetSection($"{Section}:Regions").GetChildren().ToDictionary(c => c.Key, c => c.Value ?? "", StringComparer.Ordinal);
        return new ShiftTable
        {
            Shifts = shifts.Count > 0 ? shifts : defaults.Shifts,
            TeamOfRegion = regions.Count > 0 ? regions : defaults.TeamOfRegion,
        };
    }

    private static Shift ShiftOf(string team, string? hours)
    {
        var parts = (hours ?? "").Split('-', StringSplitOptions.TrimEntries);
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var to)
            ? new Shift(team, from, to)
            : throw new InvalidOperationException($"{Section}:Shifts:{team} is '{hours}'; give the team's UTC hours as from-to, e.g. 07-16 (or 23-08 past midnight).");
    }

    public static SupportOptions Options(IConfiguration configuration, ChannelSettings channels) => new()
    {
        VerificationKey = LinkKeyFile.LoadOrCreate(Path.Combine(CommunicationSettings.Home(configuration), "support", "verification.key")),
        Mail = channels.Mail,
        Shifts = Read(configuration).Shifts,
    };
}

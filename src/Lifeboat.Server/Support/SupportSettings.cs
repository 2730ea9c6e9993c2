using Lifeboat.Communication.CustomerPages;
using Lifeboat.Server.Communication;
using Lifeboat.Support;

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

    public static SupportSettings Read(IConfiguration configuration) => new()
    {
        PerAddressPerHour = Math.Max(1, configuration.GetValue($"{Section}:PerAddressPerHour", 5)),
        PerNetworkPerMinute = Math.Max(1, configuration.GetValue($"{Section}:PerNetworkPerMinute", 30)),
        IncidentTicketsEvery = TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue($"{Section}:IncidentTicketsEverySeconds", 30))),
    };

    public static SupportOptions Options(IConfiguration configuration, ChannelSettings channels) => new()
    {
        VerificationKey = LinkKeyFile.LoadOrCreate(Path.Combine(CommunicationSettings.Home(configuration), "support", "verification.key")),
        Mail = channels.Mail,
    };
}

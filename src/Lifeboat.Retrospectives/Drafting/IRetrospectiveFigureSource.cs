using Lifeboat.Incidents;

namespace Lifeboat.Retrospectives.Drafting;

/// <summary>
/// A group of figures another module keeps (support's tickets per channel and SLA breaches), registered with the desk
/// (<see cref="RetrospectiveOptions.FigureSources"/>). Each figure it returns must be computed from that module's records and say
/// the instants it was measured between, or "unknown" and why. A figure key no registered source names is shown as
/// "not tracked by this environment" rather than as a number.
/// </summary>
public interface IRetrospectiveFigureSource
{
    /// <summary>The keys of the figures this source answers for (<see cref="FigureKeys.TicketsPerChannel"/>, <see cref="FigureKeys.SlaBreaches"/>).</summary>
    IReadOnlyList<string> Keys { get; }

    Task<IReadOnlyList<RetrospectiveFigure>> FiguresAsync(Incident incident, CancellationToken cancellationToken);
}

/// <summary>The keys of the draft's figures, in the order the draft lists them.</summary>
public static class FigureKeys
{
    public const string TimeToDetect = "time-to-detect";
    public const string TimeToDeclare = "time-to-declare";
    public const string FirstInternalUpdate = "time-to-first-internal-update";
    public const string FirstPublicUpdate = "time-to-first-public-update";
    public const string EveryCustomerNotified = "time-to-every-customer-notified";
    public const string EverySiteRestored = "time-to-every-site-restored-and-validated";
    public const string SitesRestored = "sites-restored-and-validated";
    public const string UpdatesPerAudience = "updates-sent-per-audience";
    public const string TicketsPerChannel = "tickets-per-channel";
    public const string SlaBreaches = "sla-breaches";

    /// <summary>The figures the support module will keep; until a source is registered for them they are "not tracked".</summary>
    public static readonly IReadOnlyList<(string Key, string Name)> FromOtherModules =
    [
        (TicketsPerChannel, "Tickets per channel"),
        (SlaBreaches, "SLA breaches"),
    ];
}

using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// How often an incident owes an update, per severity: internally (a note or a stream's update) and to
/// customers (a recorded customer update). Null means no reminder. The defaults: SEV1 every 30 minutes
/// internally and 60 to customers; SEV2 60 and 120; SEV3 240 and none; SEV4 none.
/// </summary>
public sealed class CadencePolicy
{
    private readonly Dictionary<IncidentSeverity, (TimeSpan? Internal, TimeSpan? Customer)> _bySeverity;

    private CadencePolicy(Dictionary<IncidentSeverity, (TimeSpan? Internal, TimeSpan? Customer)> bySeverity) => _bySeverity = bySeverity;

    public static CadencePolicy Default { get; } = new(new()
    {
        [IncidentSeverity.Sev1] = (TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(60)),
        [IncidentSeverity.Sev2] = (TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(120)),
        [IncidentSeverity.Sev3] = (TimeSpan.FromMinutes(240), null),
        [IncidentSeverity.Sev4] = (null, null),
    });

    public TimeSpan? InternalEvery(IncidentSeverity severity) => _bySeverity.TryGetValue(severity, out var c) ? c.Internal : null;

    public TimeSpan? CustomerFacingEvery(IncidentSeverity severity) => _bySeverity.TryGetValue(severity, out var c) ? c.Customer : null;

    /// <summary>The same policy with <paramref name="severity"/>'s intervals replaced (null: no reminder of that kind).</summary>
    public CadencePolicy With(IncidentSeverity severity, TimeSpan? internalEvery, TimeSpan? customerFacingEvery)
    {
        if (!Enum.IsDefined(severity))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"severity {(int)severity} does not exist: give SEV1 (worst) to SEV4.");
        }

        foreach (var (what, every) in new[] { ("internal", internalEvery), ("customer-facing", customerFacingEvery) })
        {
            if (every is { } e && (e < TimeSpan.FromMinutes(1) || e > TimeSpan.FromDays(7)))
            {
                throw new PlatformException(PlatformErrorKind.Invalid,
                    $"a {what} update every {e} for {IncidentNames.Of(severity)} is outside 1 minute to 7 days: give an interval in that range, or none for no reminder.");
            }
        }

        return new CadencePolicy(new(_bySeverity) { [severity] = (internalEvery, customerFacingEvery) }) { AcknowledgeHandoffWithin = AcknowledgeHandoffWithin };
    }

    /// <summary>How long a handoff may wait for its receiver's acknowledgement before it is escalated (15 minutes by default).</summary>
    public TimeSpan AcknowledgeHandoffWithin { get; private init; } = TimeSpan.FromMinutes(15);

    /// <summary>The same policy, escalating a handoff left unacknowledged for <paramref name="within"/> (1 minute to 1 day).</summary>
    public CadencePolicy WithHandoffAcknowledgement(TimeSpan within) =>
        within < TimeSpan.FromMinutes(1) || within > TimeSpan.FromDays(1)
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"a handoff acknowledged within {within} is outside 1 minute to 1 day: give a time in that range.")
            : new CadencePolicy(new(_bySeverity)) { AcknowledgeHandoffWithin = within };
}

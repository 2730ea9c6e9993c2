using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;

namespace Lifeboat.Communication.CustomerPages;

/// <summary>
/// One customer's view of one incident, read live: only their own affected sites (each with its restore state and what it
/// may have lost), the restore's ETA, and the updates published for everyone and for them.
/// </summary>
public sealed record CustomerPage(
    IncidentId Incident,
    string Account,
    string CustomerName,
    string Title,
    RecoveryFigures Figures,
    IReadOnlyList<IncidentUpdate> Updates,
    DateTimeOffset LinkExpiresAt);

using System.Text.Json;
using Lifeboat.Incidents;

namespace Lifeboat.Communication.Updates;

/// <summary>Who an update is for: the responders, everyone (the status page and subscribers), or one customer account.</summary>
public enum UpdateAudience
{
    Internal,
    Public,
    Customer,
}

/// <summary>The phase an update's first word names: <c>[Investigating]</c>, <c>[Identified]</c>, <c>[Restoring 41%]</c>, <c>[Monitoring]</c>, <c>[Recovered]</c>.</summary>
public enum UpdatePhase
{
    Investigating,
    Identified,
    Restoring,
    Monitoring,
    Recovered,
}

/// <summary>A draft is approved (communications lead or commander), double-checked by another person, then published; or withdrawn.</summary>
public enum UpdateState
{
    Draft,
    Approved,
    Published,
    Withdrawn,
}

/// <summary>Who drafted it: a person, or the product from the restore's progress.</summary>
public enum UpdateOrigin
{
    Person,
    Progress,
}

/// <summary>
/// An update of an incident. <see cref="Body"/> is plain text rendered from <see cref="Template"/> with the figures of
/// the moment it was drafted (<see cref="Figures"/>, kept beside it); every HTML surface escapes it.
/// </summary>
public sealed record IncidentUpdate(
    IncidentId Incident,
    int Number,
    string? Stream,
    UpdateAudience Audience,
    string? Account,
    UpdatePhase Phase,
    string Label,
    string Language,
    string Template,
    string Message,
    string Subject,
    string Body,
    JsonElement Figures,
    int? Corrects,
    UpdateState State,
    UpdateOrigin Origin,
    DateTimeOffset DraftedAt,
    string DraftedBy,
    DateTimeOffset? ApprovedAt,
    string? ApprovedBy,
    DateTimeOffset? CheckedAt,
    string? CheckedBy,
    DateTimeOffset? PublishedAt,
    string? PublishedBy);

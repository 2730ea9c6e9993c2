using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Incidents;
using Npgsql;

namespace Lifeboat.Support.Tickets;

public enum TicketChannel
{
    Form,
    Api,
    Email,
    Phone,
    Incident,
}

public enum TicketState
{
    /// <summary>From the public intake, waiting for the requester's code or link.</summary>
    Unverified,
    Open,
    /// <summary>Waiting for the customer.</summary>
    Pending,
    Solved,
}

public enum TicketQueue
{
    /// <summary>No account yet: a person confirms the hints (or finds the customer) and links it.</summary>
    Triage,
    /// <summary>About an open incident: one ticket per affected site, and what customers send about it.</summary>
    Incident,
    General,
}

public enum TicketPriority
{
    Urgent,
    High,
    Normal,
    Low,
}

/// <summary>The words the database, the API and the pages use for tickets' states, queues, channels and priorities.</summary>
public static class TicketWords
{
    public static string Of<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static T Parse<T>(string? value, string what)
        where T : struct, Enum =>
        !string.IsNullOrWhiteSpace(value) && value.Trim().All(char.IsAsciiLetter) && Enum.TryParse<T>(value.Trim(), ignoreCase: true, out var parsed)
            ? parsed
            : throw new PlatformException(PlatformErrorKind.Invalid, $"'{value}' is not a {what}; use one of: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
}

/// <summary>
/// A ticket: whose (the account, null while in triage), about what (sites, an incident), from where (channel), where it stands.
/// <see cref="Hints"/> is what matching found for a person to confirm; <see cref="MergedInto"/> points at the ticket it was merged into.
/// </summary>
public sealed record Ticket(
    TicketId Id,
    AccountId? Account,
    IReadOnlyList<SiteId> Sites,
    IncidentId? Incident,
    TicketChannel Channel,
    TicketState State,
    TicketQueue Queue,
    TicketPriority Priority,
    string? Requester,
    string? Company,
    string? SiteGiven,
    string Subject,
    string Description,
    JsonElement Hints,
    TicketId? MergedInto,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Owner = null,
    TicketClocks? Clocks = null)
{
    internal const string Columns = """
        t.ticket_id, t.account_id, t.site_ids, t.incident_id, t.channel, t.state, t.queue, t.priority, t.requester, t.company, t.site_given,
        t.subject, t.description, t.hints::text, t.merged_into, t.created_at, t.updated_at,
        t.owner_team, t.sla_started_at, t.first_response_due, t.first_responded_at, t.last_responded_at, t.update_due
        """;

    internal static Ticket Read(NpgsqlDataReader r) => new(
        TicketId.FromValidated(r.GetString(0)),
        r.IsDBNull(1) ? null : AccountId.FromValidated(r.GetString(1)),
        [.. r.GetFieldValue<string[]>(2).Select(SiteId.FromValidated)],
        r.IsDBNull(3) ? null : IncidentId.FromValidated(r.GetString(3)),
        Enum.Parse<TicketChannel>(r.GetString(4), ignoreCase: true),
        Enum.Parse<TicketState>(r.GetString(5), ignoreCase: true),
        Enum.Parse<TicketQueue>(r.GetString(6), ignoreCase: true),
        Enum.Parse<TicketPriority>(r.GetString(7), ignoreCase: true),
        r.IsDBNull(8) ? null : r.GetString(8),
        r.IsDBNull(9) ? null : r.GetString(9),
        r.IsDBNull(10) ? null : r.GetString(10),
        r.GetString(11),
        r.GetString(12),
        JsonDocument.Parse(r.GetString(13)).RootElement.Clone(),
        r.IsDBNull(14) ? null : TicketId.FromValidated(r.GetString(14)),
        r.GetFieldValue<DateTimeOffset>(15),
        r.GetFieldValue<DateTimeOffset>(16),
        r.IsDBNull(17) ? null : r.GetString(17),
        new TicketClocks(At(r, 18), At(r, 19), At(r, 20), At(r, 21), At(r, 22)));

    private static DateTimeOffset? At(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}

/// <summary>
/// A ticket's SLA clocks: the first response is due <see cref="FirstResponseDue"/> (from <see cref="StartedAt"/>, when it became
/// work) until support first answers; each answer then makes the next one due at <see cref="UpdateDue"/>. Null: not started.
/// </summary>
public sealed record TicketClocks(
    DateTimeOffset? StartedAt,
    DateTimeOffset? FirstResponseDue,
    DateTimeOffset? FirstRespondedAt,
    DateTimeOffset? LastRespondedAt,
    DateTimeOffset? UpdateDue);

/// <summary>One entry of a ticket's history: created, verified, linked, merged, a message, a change of state.</summary>
public sealed record TicketEntry(long Id, string Kind, DateTimeOffset At, string Actor, string Text, JsonElement Data);

/// <summary>A ticket with its whole history, oldest first, and its files.</summary>
public sealed record TicketView(Ticket Ticket, IReadOnlyList<TicketEntry> History)
{
    public IReadOnlyList<Attachments.TicketAttachment> Attachments { get; init; } = [];
}

/// <summary>
/// The priority of an incident's ticket: the worse the incident and the more support the customer bought, the sooner.
/// A ticket of a site nobody owns is taken as Standard.
/// </summary>
public static class IncidentPriority
{
    public static TicketPriority Of(SupportTier? tier, IncidentSeverity severity) => (severity, tier ?? SupportTier.Standard) switch
    {
        (IncidentSeverity.Sev1, SupportTier.Standard) => TicketPriority.High,
        (IncidentSeverity.Sev1, _) => TicketPriority.Urgent,
        (IncidentSeverity.Sev2, SupportTier.Enterprise) => TicketPriority.Urgent,
        (IncidentSeverity.Sev2, _) => TicketPriority.High,
        (IncidentSeverity.Sev3, SupportTier.Enterprise) => TicketPriority.High,
        (IncidentSeverity.Sev3, _) => TicketPriority.Normal,
        (_, SupportTier.Enterprise) => TicketPriority.Normal,
        _ => TicketPriority.Low,
    };
}

/// <summary>Which tickets to list: of a queue, an account, a team's open work (<see cref="Owner"/>), any combination; newest first.</summary>
public sealed record TicketFilter(TicketQueue? Queue = null, AccountId? Account = null, string? Owner = null, int Limit = 100);

/// <summary>How many tickets one list holds at most.</summary>
public static class TicketBookLimits
{
    public const int MaxList = 500;
}

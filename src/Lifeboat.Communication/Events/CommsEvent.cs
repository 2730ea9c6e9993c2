using System.Text.Json;

namespace Lifeboat.Communication.Events;

/// <summary>
/// One event of the module's outbox. Types: <c>update.drafted</c>, <c>update.approved</c>, <c>update.published</c>,
/// <c>update.withdrawn</c>; the incident it belongs to, and the account when it is about one customer.
/// </summary>
public sealed record CommsEvent(long Position, string Type, string? Incident, string? Account, string? Site, JsonElement Payload, DateTimeOffset At);

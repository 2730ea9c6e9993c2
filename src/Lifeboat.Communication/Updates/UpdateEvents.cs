namespace Lifeboat.Communication.Updates;

/// <summary>What an outbox event about an update carries: enough for a channel to act without reading the update again.</summary>
internal static class UpdateEvents
{
    public static object Payload(IncidentUpdate update) => new
    {
        incident = update.Incident.Value,
        number = update.Number,
        audience = update.Audience,
        account = update.Account,
        stream = update.Stream,
        phase = update.Phase,
        label = update.Label,
        state = update.State,
        subject = update.Subject,
        body = update.Body,
        corrects = update.Corrects,
        origin = update.Origin,
        at = update.PublishedAt ?? update.CheckedAt ?? update.ApprovedAt ?? update.DraftedAt,
    };
}

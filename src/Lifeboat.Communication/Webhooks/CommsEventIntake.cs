using System.Text.Json;
using Lifeboat.Communication.Events;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Webhooks;

/// <summary>
/// The comms outbox's consumer <c>webhooks</c>: every event (update.drafted, .approved, .published, .withdrawn, and any
/// later kind) becomes a webhook event under the key <c>comms/&lt;position&gt;</c>. An update's event carries the update's
/// number, audience, phase, label and subject; a published public update also its body, which is public anyway.
/// </summary>
internal sealed class CommsEventIntake(CommunicationDesk desk)
{
    public const string Consumer = "webhooks";

    public Task<int> RunAsync(int max, CancellationToken ct) => desk.Outbox.ConsumeAsync(Consumer, events => WriteAsync(events, ct), max, ct);

    private async Task WriteAsync(IReadOnlyList<CommsEvent> events, CancellationToken ct)
    {
        var now = desk.Context.Time.GetUtcNow();
        await using var tx = await desk.Context.BeginAsync(ct);
        var written = new List<WebhookEvent>();
        foreach (var e in events)
        {
            if (!await WebhookEventWriter.AnyWantsAsync(tx, [e.Type], e.At, ct))
            {
                continue;
            }

            written.Add(new WebhookEvent($"comms/{e.Position}", e.Type, e.Incident, e.Site, null, e.At, await DataOfAsync(e, ct)));
        }

        await WebhookEventWriter.WriteAsync(tx, written, now, ct);
        await tx.CommitAsync(ct);
    }

    private async Task<object> DataOfAsync(CommsEvent e, CancellationToken ct)
    {
        if (!e.Type.StartsWith("update.", StringComparison.Ordinal) || e.Incident is null
            || e.Payload.ValueKind != JsonValueKind.Object || !e.Payload.TryGetProperty("number", out var n) || !n.TryGetInt32(out var number))
        {
            return new { payload = e.Payload, account = e.Account, site = e.Site };
        }

        IncidentUpdate update;
        try
        {
            update = await new UpdateBook(desk.Context).GetAsync(IncidentId.FromValidated(e.Incident), number, ct);
        }
        catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.NotFound)
        {
            return new { payload = e.Payload, account = e.Account, site = e.Site };
        }

        var body = e.Type == "update.published" && update.Audience == UpdateAudience.Public ? update.Body : null;
        return new
        {
            update = new { update.Number, update.Audience, update.Account, update.Phase, update.Label, update.Subject, update.Corrects, body },
            payload = e.Payload,
        };
    }
}

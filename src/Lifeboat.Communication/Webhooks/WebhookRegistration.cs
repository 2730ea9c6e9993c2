using System.Security.Cryptography;
using Lifeboat.Communication.Internal;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Communication.Webhooks;

/// <summary>Registers, lists and disables webhooks. A webhook is never deleted: disabling it stops its deliveries and keeps its log.</summary>
internal sealed class WebhookRegistration(CommsContext context, WebhookOptions options)
{
    private const string Columns = "webhook_id, url, events, description, created_at, created_by, disabled_at, disabled_by, disabled_reason";

    public async Task<CreatedWebhook> CreateAsync(string? url, IReadOnlyList<string>? events, string? description, CancellationToken ct)
    {
        var uri = WebhookUrls.Require(url, options.Allow);
        var filter = WebhookEventTypes.RequireFilter(events);
        var about = description?.Trim();
        if (about is { Length: > 500 })
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the description is {about.Length} characters long; keep it to 500.");
        }

        var secrets = new WebhookSecrets(options.SecretKey);
        var id = NewId();
        var secret = WebhookSecrets.NewSecret();
        await using var cmd = context.Command($"""
            INSERT INTO comms.webhooks (webhook_id, url, events, description, secret_sealed, secret_key_id, created_at, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {Columns}
            """);
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = uri.AbsoluteUri });
        cmd.Parameters.Add(new() { Value = filter.ToArray() });
        cmd.Parameters.Add(CommsContext.Text(string.IsNullOrEmpty(about) ? null : about));
        cmd.Parameters.Add(new() { Value = secrets.Seal(id, secret) });
        cmd.Parameters.Add(new() { Value = secrets.KeyId });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        return new CreatedWebhook(await ReadOneAsync(cmd, id, ct), secret);
    }

    public async Task<IReadOnlyList<Webhook>> ListAsync(CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM comms.webhooks ORDER BY created_at, webhook_id");
        var list = new List<Webhook>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public async Task<Webhook> GetAsync(string? id, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM comms.webhooks WHERE webhook_id = $1");
        cmd.Parameters.Add(new() { Value = id?.Trim() ?? "" });
        return await ReadOneAsync(cmd, id, ct);
    }

    /// <summary>Disables a webhook (again: no change), with a reason; its pending deliveries are not sent.</summary>
    public async Task<Webhook> DisableAsync(string? id, string? reason, CancellationToken ct)
    {
        var why = reason?.Trim();
        if (string.IsNullOrEmpty(why) || why.Length > 500)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "say why the webhook is disabled (1 to 500 characters): the reason stays with it.");
        }

        var current = await GetAsync(id, ct);
        if (!current.Enabled)
        {
            return current;
        }

        await using var cmd = context.Command($"""
            UPDATE comms.webhooks SET disabled_at = $2, disabled_by = $3, disabled_reason = $4 WHERE webhook_id = $1 AND disabled_at IS NULL RETURNING {Columns}
            """);
        cmd.Parameters.Add(new() { Value = current.Id });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        cmd.Parameters.Add(new() { Value = why });
        return await ReadOneAsync(cmd, id, ct);
    }

    private static async Task<Webhook> ReadOneAsync(NpgsqlCommand cmd, string? id, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? Read(reader)
            : throw new PlatformException(PlatformErrorKind.NotFound, $"there is no webhook '{id}': list the webhooks (GET /api/comms/webhooks) for their IDs.");
    }

    private static Webhook Read(NpgsqlDataReader r) => new(r.GetString(0), new Uri(r.GetString(1)), r.GetFieldValue<string[]>(2), r.IsDBNull(3) ? null : r.GetString(3),
        r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : r.GetString(8));

    private static string NewId()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return "whk_" + string.Create(20, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }
}

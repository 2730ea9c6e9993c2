using Lifeboat.Platform.Audit;
using Lifeboat.Platform.Internal;
using NpgsqlTypes;

namespace Lifeboat.Platform.Plans;

/// <summary>Signals from outside (support desk, a site's error monitor) that a running plan is hurting someone; the next health gate halts on them.</summary>
internal sealed class HealthSignals(PlatformContext context, PlanStore store, AuditLog audit)
{
    public async Task SignalAsync(PlanId? plan, SiteId? site, string source, string message, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(source) || string.IsNullOrWhiteSpace(message))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a health signal needs a source (support, monitoring, …) and a message.");
        }

        if (plan is { } p)
        {
            await store.GetAsync(p, ct);
        }

        await using var cmd = context.Command("INSERT INTO platform.health_signals (plan_id, site_id, source, message, at) VALUES ($1, $2, $3, $4, $5)");
        cmd.Parameters.Add(new() { Value = (object?)plan?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)site?.Value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = source.Trim() });
        cmd.Parameters.Add(new() { Value = message.Trim() });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
        await audit.WriteAsync(plan?.Value ?? site?.Value ?? "health", "health-signal", null, [], new { source, message, site = site?.Value }, ct);
    }
}

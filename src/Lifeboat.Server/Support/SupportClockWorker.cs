using Lifeboat.Support.Sla;

namespace Lifeboat.Server.Support;

/// <summary>
/// Runs the SLA clocks and the shifts every <see cref="SupportSettings.ClocksEvery"/>: starts new work's clocks, hands open tickets to
/// the team on shift, and fires each reminder and breach once (the database's keys make a second server's pass a no-op). Each fired
/// alert is logged; the alerts are kept in support.sla_alerts and shown on the ticket, the account view and GET /api/support/sla-alerts.
/// </summary>
internal sealed partial class SupportClockWorker(SupportDeskLifetime support, SupportSettings settings, ILogger<SupportClockWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        settings.ClocksEvery <= TimeSpan.Zero
            ? Task.CompletedTask
            : PeriodicWork.RunAsync(settings.ClocksEvery, async ct =>
            {
                var pass = await support.Desk.RunClocksAsync(ct);
                if (pass.HandedOff > 0)
                {
                    LogHanded(logger, pass.HandedOff);
                }

                foreach (var alert in pass.Fired)
                {
                    Log(logger, alert);
                }
            }, e => LogFailed(logger, e), stoppingToken);

    private static void Log(ILogger logger, SlaAlert alert)
    {
        if (alert.Kind == "breach")
        {
            LogBreach(logger, alert.Ticket.Value, alert.Clock, alert.DueAt, alert.Owner ?? "nobody");
        }
        else
        {
            LogReminder(logger, alert.Ticket.Value, alert.Clock, alert.DueAt, alert.Owner ?? "nobody");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "handed {Count} open ticket(s) to the team on shift")]
    private static partial void LogHanded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SLA breached: ticket {Ticket}'s {Clock} was due at {Due} (owner {Owner})")]
    private static partial void LogBreach(ILogger logger, string ticket, string clock, DateTimeOffset due, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "SLA reminder: ticket {Ticket}'s {Clock} is due at {Due} (owner {Owner})")]
    private static partial void LogReminder(ILogger logger, string ticket, string clock, DateTimeOffset due, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the SLA clocks pass failed; the next one retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

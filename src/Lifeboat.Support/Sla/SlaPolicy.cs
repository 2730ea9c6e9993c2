using Lifeboat.Platform;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Support.Sla;

/// <summary>The two clocks of one priority: how long until support's first answer, and then between its answers.</summary>
public sealed record SlaTimes(TimeSpan FirstResponse, TimeSpan Update);

/// <summary>
/// How long support has to answer a ticket, by priority, and when it is reminded before the time runs out. The priority
/// already carries the account's tier (<see cref="IncidentPriority"/>), so the table is by priority alone.
/// </summary>
public sealed class SlaPolicy
{
    /// <summary>urgent 30 min / 1 h, high 1 h / 4 h, normal 8 h / 24 h, low 24 h / 72 h (first response / update).</summary>
    public IReadOnlyDictionary<TicketPriority, SlaTimes> Times { get; init; } = new Dictionary<TicketPriority, SlaTimes>
    {
        [TicketPriority.Urgent] = new(TimeSpan.FromMinutes(30), TimeSpan.FromHours(1)),
        [TicketPriority.High] = new(TimeSpan.FromHours(1), TimeSpan.FromHours(4)),
        [TicketPriority.Normal] = new(TimeSpan.FromHours(8), TimeSpan.FromHours(24)),
        [TicketPriority.Low] = new(TimeSpan.FromHours(24), TimeSpan.FromHours(72)),
    };

    /// <summary>The share of a clock's time after which its owner is reminded (0.75: at 45 minutes of an hour).</summary>
    public double ReminderAt { get; init; } = 0.75;

    public SlaTimes Of(TicketPriority priority) => Times.TryGetValue(priority, out var times)
        ? times
        : throw new PlatformException(PlatformErrorKind.Invalid, $"the SLA table has no times for priority {TicketWords.Of(priority)}; give every priority a first response and an update time.");

    /// <summary>Refuses a table that leaves a priority out, a time that is not positive, or a reminder outside (0, 1).</summary>
    internal void Check()
    {
        foreach (var priority in Enum.GetValues<TicketPriority>())
        {
            var times = Of(priority);
            if (times.FirstResponse <= TimeSpan.Zero || times.Update <= TimeSpan.Zero)
            {
                throw new PlatformException(PlatformErrorKind.Invalid, $"the SLA times of priority {TicketWords.Of(priority)} must be longer than zero; they are {times.FirstResponse} and {times.Update}.");
            }
        }

        if (ReminderAt is <= 0 or >= 1 || double.IsNaN(ReminderAt))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the SLA reminder comes at {ReminderAt} of a clock's time; give a share between 0 and 1 (0.75 reminds at 45 minutes of an hour).");
        }
    }
}

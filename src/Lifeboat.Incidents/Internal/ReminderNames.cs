namespace Lifeboat.Incidents.Internal;

/// <summary>Reminder kinds as the database and the timeline write them.</summary>
internal static class ReminderNames
{
    public static string Of(ReminderKind kind) => kind switch
    {
        ReminderKind.InternalUpdate => "internal-update",
        ReminderKind.CustomerUpdate => "customer-update",
        ReminderKind.StreamUpdate => "stream-update",
        ReminderKind.Progress => "progress",
        ReminderKind.HandoffUnacknowledged => "handoff-unacknowledged",
        ReminderKind.CustomerNotUpdated => "customer-not-updated",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a reminder kind"),
    };

    public static ReminderKind KindOf(string text) =>
        Enum.GetValues<ReminderKind>().Single(k => string.Equals(Of(k), text, StringComparison.Ordinal));

    public static string Minutes(TimeSpan span) => $"{(int)span.TotalMinutes} min";
}

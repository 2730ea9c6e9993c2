namespace Lifeboat.Communication.Mail;

/// <summary>
/// Exponential backoff with jitter, shared by mail, webhooks and chat: the n-th retry waits between half and all of
/// first·2ⁿ⁻¹ (at most <paramref name="Max"/>), so receivers that failed together are not all tried again at once.
/// </summary>
internal sealed record RetrySchedule(TimeSpan First, TimeSpan Max, int MaxAttempts)
{
    public TimeSpan DelayAfter(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var full = Math.Min(Max.TotalMilliseconds, First.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(full * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    public bool GivesUpAfter(int attempts) => attempts >= MaxAttempts;
}

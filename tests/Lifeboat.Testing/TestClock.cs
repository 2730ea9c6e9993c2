namespace Lifeboat.Testing;

/// <summary>
/// A clock tests can move. It follows the real clock until a test pins it or shifts it, so it stays
/// close to the database's clock (which stamps every commit) unless the test says otherwise.
/// Timers fire when the clock is moved past their due time.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private readonly Lock _sync = new();
    private readonly List<TestTimer> _timers = [];
    private TimeSpan _offset;
    private DateTimeOffset? _pinned;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_sync)
        {
            return _pinned ?? System.GetUtcNow() + _offset;
        }
    }

    /// <summary>Stops the clock at <paramref name="now"/> until it is advanced or released.</summary>
    public void Pin(DateTimeOffset now)
    {
        lock (_sync)
        {
            _pinned = now;
        }

        FireDue();
    }

    /// <summary>Stops the clock where it is.</summary>
    public DateTimeOffset Freeze()
    {
        var now = GetUtcNow();
        Pin(now);
        return now;
    }

    public void Advance(TimeSpan by)
    {
        lock (_sync)
        {
            if (_pinned is { } p)
            {
                _pinned = p + by;
            }
            else
            {
                _offset += by;
            }
        }

        FireDue();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new TestTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void FireDue()
    {
        while (true)
        {
            TestTimer? due;
            lock (_sync)
            {
                var now = _pinned ?? System.GetUtcNow() + _offset;
                due = _timers.Where(t => t.Due is { } d && d <= now).OrderBy(t => t.Due).FirstOrDefault();
                if (due is null)
                {
                    return;
                }

                due.Due = due.Period > TimeSpan.Zero ? due.Due + due.Period : null;
            }

            due.Fire();
        }
    }

    private sealed class TestTimer(TestClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._sync)
            {
                clock._timers.Remove(this);
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNowUnlocked() + dueTime;
                clock._timers.Add(this);
            }

            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._sync)
            {
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private DateTimeOffset GetUtcNowUnlocked() => _pinned ?? System.GetUtcNow() + _offset;
}

using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Host.Tests.Journal;

/// <summary>
/// A clock that moves only when told. Timers fire synchronously inside <see cref="Advance"/>, in due order, so a test knows
/// exactly which timer callbacks have run when Advance returns.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly long _frequency;
    private long _now;

    public ManualTimeProvider(long frequency = TimeSpan.TicksPerSecond, long start = 0)
    {
        _frequency = frequency;
        _now = start;
    }

    public override long TimestampFrequency => _frequency;

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds((double)GetTimestamp() / _frequency);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        long target;
        lock (_gate)
        {
            target = _now + ToTicks(by);
        }

        while (true)
        {
            ManualTimer? next = null;
            lock (_gate)
            {
                foreach (ManualTimer timer in _timers)
                {
                    if (timer.Due is long due && due <= target && (next is null || due < next.Due))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.Due!.Value;
                next.Due = next.Period is long period ? _now + period : null;
            }

            next.Fire();
        }
    }

    private long ToTicks(TimeSpan span) => (long)(span.Ticks * ((double)_frequency / TimeSpan.TicksPerSecond));

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        /// <summary>Guarded by the owner's lock.</summary>
        public long? Due { get; set; }

        public long? Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + owner.ToTicks(dueTime);
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : owner.ToTicks(period);
            }

            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate)
            {
                Due = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }
}

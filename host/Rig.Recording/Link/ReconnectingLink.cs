using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Rig.Recording.Link;

/// <summary>
/// The connection lifecycle every link shares: <see cref="ConnectAsync"/> retrying until <see cref="LinkOptions.ConnectTimeout"/>,
/// the background reconnect (with re-subscription) after a drop, <see cref="ConnectionChanged"/>, the counters and
/// <see cref="Messages"/>. One copy, so the in-memory fake the unit tests run against drives the same lifecycle code as the
/// real MQTT link. An implementation supplies one connection attempt, its <see cref="LinkSession"/>s, and subscribing and
/// publishing on the live session.
/// </summary>
public abstract class ReconnectingLink : IRigLink
{
    private readonly string _brokerName;
    private readonly Lock _gate = new();
    private readonly List<string> _filters = [];
    private readonly Channel<LinkMessage> _messages = Channel.CreateUnbounded<LinkMessage>();
    private LinkSession? _session;
    private CancellationTokenSource? _lifetime;
    private Task _reconnectLoop = Task.CompletedTask;
    private bool _stopped = true;
    private bool _disposed;
    private long _received;
    private long _undeliverable;
    private int _reconnects;
    private int _failedReconnectAttempts;
    private Exception? _lastError;

    /// <param name="brokerName">How error messages name the broker.</param>
    private protected ReconnectingLink(string brokerName, LinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ClientId);
        _brokerName = brokerName;
        Options = options;
    }

    public string ClientId => Options.ClientId;

    public bool IsConnected => Volatile.Read(ref _session)?.IsConnected == true;

    /// <inheritdoc/>
    /// <remarks>A handler that throws does not disturb the link; its exception is kept in <see cref="LastError"/>.</remarks>
    public event Action<bool>? ConnectionChanged;

    public ChannelReader<LinkMessage> Messages => _messages.Reader;

    /// <summary>Messages received and queued on <see cref="Messages"/>.</summary>
    public long MessagesReceived => Interlocked.Read(ref _received);

    /// <summary>Messages that arrived after the link was disposed and so went nowhere.</summary>
    public long UndeliverableMessages => Interlocked.Read(ref _undeliverable);

    /// <summary>Successful automatic reconnects so far.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Automatic reconnect attempts that failed (the broker was still down).</summary>
    public int FailedReconnectAttempts => Volatile.Read(ref _failedReconnectAttempts);

    /// <summary>
    /// The last failure the link handled in the background: why a connection dropped (where the transport says), a failed
    /// reconnect, a throwing event handler.
    /// </summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    private protected LinkOptions Options { get; }

    /// <summary>The live session, or null while disconnected; it may have dropped a moment ago (see <see cref="LinkSession.IsConnected"/>).</summary>
    private protected LinkSession? CurrentSession => Volatile.Read(ref _session);

    /// <summary>How <see cref="ConnectAsync"/>'s errors name the broker.</summary>
    private protected virtual string ConnectTarget => _brokerName;

    /// <summary>
    /// Tries to connect until <see cref="LinkOptions.ConnectTimeout"/> has passed (pausing <see cref="LinkOptions.ReconnectDelay"/>
    /// between attempts, so a broker that is still starting is waited for), then throws <see cref="BrokerUnreachableException"/>
    /// with the last reason. A broker that refuses the client for good (not authorised, banned, ...) fails at once.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        CancellationToken lifetime;
        lock (_gate)
        {
            if (_session is not null)
            {
                return;
            }

            // After a drop the reconnect loop is still at work under the current lifetime: this connect joins it
            // rather than starting a second, competing one.
            if (_stopped || _lifetime is null)
            {
                _stopped = false;
                _lifetime?.Dispose();
                _lifetime = new CancellationTokenSource();
            }

            lifetime = _lifetime.Token;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime);
        var elapsed = Stopwatch.StartNew();
        Exception? failure = null;
        while (true)
        {
            try
            {
                switch (await TryAttachAsync(Options.ConnectTimeout - elapsed.Elapsed, linked.Token))
                {
                    case Attach.Attached:
                        RaiseConnectionChanged(true);
                        return;
                    case Attach.AlreadyConnected:
                        return;
                    default:
                        throw new OperationCanceledException($"link '{ClientId}' was disconnected while it was connecting");
                }
            }
            catch (Exception ex) when (ClassifyConnectFailure(ex, linked.Token) == ConnectFailure.RefusedForGood)
            {
                throw new BrokerUnreachableException($"{ConnectTarget} refused client '{ClientId}': {ex.Message}", ex);
            }
            catch (Exception ex) when (ClassifyConnectFailure(ex, linked.Token) == ConnectFailure.Retry)
            {
                // A last, shortened attempt that merely ran out of time must not hide the real reason of the one before
                // (e.g. "connection refused"); an attempt that timed out on its own is a "no answer".
                failure = ex is OperationCanceledException or TimeoutException && failure is not null ? failure : ex;
            }

            var left = Options.ConnectTimeout - elapsed.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new BrokerUnreachableException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"cannot connect client '{ClientId}' to {ConnectTarget} within {Options.ConnectTimeout.TotalSeconds:0.###} s: {DescribeConnectFailure(failure)}"),
                    failure);
            }

            await Task.Delay(left < Options.ReconnectDelay ? left : Options.ReconnectDelay, linked.Token);
        }
    }

    public abstract Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken);

    public abstract Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken);

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        var session = await StopAsync();
        if (session is null)
        {
            return;
        }

        try
        {
            await session.DisconnectAsync(cancellationToken);
        }
        finally
        {
            RaiseConnectionChanged(false);
        }
    }

    public async Task AbortAsync()
    {
        var session = await StopAsync();
        if (session is null)
        {
            return;
        }

        session.Abort();
        RaiseConnectionChanged(false);
    }

    /// <summary>Disconnects cleanly (no will) if connected, then completes <see cref="Messages"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(Options.ConnectTimeout);
            await DisconnectAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is LinkDisconnectedException or OperationCanceledException)
        {
            // Disposing must not throw; the broker sees a dropped connection instead of a clean one, which is recorded here.
            Volatile.Write(ref _lastError, ex);
        }

        _disposed = true;
        _messages.Writer.TryComplete();
        lock (_gate)
        {
            _lifetime?.Dispose();
            _lifetime = null;
        }

        OnDisposed();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// One attempt: open a session, re-subscribe every filter, and install it with <see cref="TryInstall"/> unless the link
    /// was stopped or connected meanwhile. <paramref name="timeout"/> is what is left of the caller's connect timeout.
    /// </summary>
    private protected abstract Task<Attach> TryAttachAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>What <see cref="ConnectAsync"/> does with an attempt that threw; <paramref name="connecting"/> is the attempt's token.</summary>
    private protected abstract ConnectFailure ClassifyConnectFailure(Exception failure, CancellationToken connecting);

    /// <summary>The reason <see cref="ConnectAsync"/> names when it gives up.</summary>
    private protected virtual string DescribeConnectFailure(Exception failure) => failure.Message;

    /// <summary>Frees what the implementation holds besides its sessions; runs once, at the end of <see cref="DisposeAsync"/>.</summary>
    private protected virtual void OnDisposed()
    {
    }

    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private protected LinkDisconnectedException NotConnected(string action) =>
        new($"cannot {action}: link '{ClientId}' is not connected to {_brokerName}");

    /// <summary>Keeps a failure the link handled in the background for <see cref="LastError"/>.</summary>
    private protected void RecordError(Exception error) => Volatile.Write(ref _lastError, error);

    /// <summary>Queues a received message on <see cref="Messages"/>. Takes no lock, so a broker may call it under its own.</summary>
    private protected void OnMessage(LinkMessage message)
    {
        if (_messages.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _received);
        }
        else
        {
            Interlocked.Increment(ref _undeliverable);
        }
    }

    /// <summary>Why an attempt must not open a session now (stopped, or another attempt connected), or null when it may.</summary>
    private protected Attach? AttachBlocked()
    {
        lock (_gate)
        {
            return AttachBlockedLocked();
        }
    }

    /// <summary>
    /// Under the link's lock: unless the link was stopped or connected meanwhile, runs <paramref name="finish"/> with the
    /// filters to re-subscribe and installs the session it returns. Whatever <paramref name="finish"/> checks cannot change
    /// under it as far as this link is concerned: a drop notification waits for the lock.
    /// </summary>
    private protected Attach TryInstall(Func<IReadOnlyList<string>, LinkSession> finish)
    {
        lock (_gate)
        {
            if (AttachBlockedLocked() is { } blocked)
            {
                return blocked;
            }

            _session = finish(_filters);
            return Attach.Attached;
        }
    }

    /// <summary>The filters every (re)connect must subscribe.</summary>
    private protected string[] SubscribedFilters()
    {
        lock (_gate)
        {
            return [.. _filters];
        }
    }

    /// <summary>Records a filter for every later reconnect; false when it was recorded already.</summary>
    private protected bool AddFilter(string topicFilter)
    {
        lock (_gate)
        {
            return AddFilterLocked(topicFilter);
        }
    }

    private protected void RemoveFilter(string topicFilter)
    {
        lock (_gate)
        {
            _filters.Remove(topicFilter);
        }
    }

    /// <summary>
    /// Subscribes on the live session and records the filter in one hold of the link's lock, so no reconnect can come in
    /// between; for a session whose subscribe completes at once (an awaited one records first with <see cref="AddFilter"/>).
    /// </summary>
    private protected void SubscribeUnderLock(string topicFilter, Action<LinkSession> subscribe)
    {
        lock (_gate)
        {
            subscribe(_session ?? throw NotConnected($"subscribe to '{topicFilter}'"));
            AddFilterLocked(topicFilter);
        }
    }

    /// <summary>The transport dropped <paramref name="session"/> (outage, takeover, ...); <paramref name="reason"/> goes to <see cref="LastError"/>.</summary>
    private protected void OnConnectionLost(LinkSession session, Exception? reason)
    {
        CancellationToken lifetime;
        lock (_gate)
        {
            // Stale (an older session) or intended (DisconnectAsync/AbortAsync took it out first): nothing to do.
            if (_session != session)
            {
                return;
            }

            _session = null;
            lifetime = _lifetime?.Token ?? new CancellationToken(canceled: true);
        }

        if (reason is not null)
        {
            Volatile.Write(ref _lastError, reason);
        }

        session.Release();
        RaiseConnectionChanged(false);
        lock (_gate)
        {
            // Always a fresh loop: an older one may still be finishing (raising its "connected") and would not see this drop.
            if (Options.AutoReconnect && !_stopped && !_disposed && _session is null)
            {
                _reconnectLoop = Task.Run(() => ReconnectLoopAsync(lifetime), CancellationToken.None);
            }
        }
    }

    private Attach? AttachBlockedLocked() =>
        _stopped || _disposed ? Attach.Stopped
        : _session is not null ? Attach.AlreadyConnected
        : null;

    private bool AddFilterLocked(string topicFilter)
    {
        if (_filters.Contains(topicFilter))
        {
            return false;
        }

        _filters.Add(topicFilter);
        return true;
    }

    private async Task ReconnectLoopAsync(CancellationToken lifetime)
    {
        while (!lifetime.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Options.ReconnectDelay, lifetime);
                if (await TryAttachAsync(Options.ConnectTimeout, lifetime) == Attach.Attached)
                {
                    Interlocked.Increment(ref _reconnects);
                    RaiseConnectionChanged(true);
                }

                return;
            }
            catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
            {
                // DisconnectAsync/AbortAsync/DisposeAsync ended the link: no more reconnects, by design.
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The broker is still down (or refused us): remembered for diagnostics, and the loop tries again after the delay.
                Interlocked.Increment(ref _failedReconnectAttempts);
                Volatile.Write(ref _lastError, ex);
            }
        }
    }

    /// <summary>Ends reconnecting and takes the live session out, so its drop is not mistaken for an outage.</summary>
    private async Task<LinkSession?> StopAsync()
    {
        LinkSession? session;
        Task reconnectLoop;
        lock (_gate)
        {
            _stopped = true;
            _lifetime?.Cancel();
            session = _session;
            _session = null;
            reconnectLoop = _reconnectLoop;
        }

        await reconnectLoop;
        return session;
    }

    private void RaiseConnectionChanged(bool connected)
    {
        try
        {
            ConnectionChanged?.Invoke(connected);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A subscriber's bug must not leave the link half-switched; it is kept for diagnostics instead.
            Volatile.Write(ref _lastError, ex);
        }
    }
}

/// <summary>One connection of a <see cref="ReconnectingLink"/> to its broker; every reconnect opens a new one.</summary>
internal abstract class LinkSession
{
    /// <summary>False once the connection dropped or was closed; may answer a moment late.</summary>
    public abstract bool IsConnected { get; }

    /// <summary>Clean disconnect: the broker does not publish the will.</summary>
    public abstract Task DisconnectAsync(CancellationToken cancellationToken);

    /// <summary>Drops the connection as a crash or a pulled cable would, so the broker publishes the will.</summary>
    public abstract void Abort();

    /// <summary>Frees what is left of a session the broker dropped.</summary>
    public virtual void Release()
    {
    }
}

/// <summary>How a connection attempt ended without an exception.</summary>
internal enum Attach
{
    Attached,
    AlreadyConnected,
    Stopped,
}

/// <summary>What <see cref="ReconnectingLink.ConnectAsync"/> does with an attempt that threw.</summary>
internal enum ConnectFailure
{
    /// <summary>Let it through unchanged (cancellation, a caller's mistake).</summary>
    Rethrow,

    /// <summary>Remember it as the reason and try again until the connect timeout.</summary>
    Retry,

    /// <summary>The broker refused the client in a way retrying cannot fix: give up at once.</summary>
    RefusedForGood,
}

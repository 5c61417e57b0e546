using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Reliability.Tests;

/// <summary>
/// A TCP forwarder between MQTT clients and a broker that can go silent without closing anything: while held, no byte
/// moves in either direction and no close is passed on, so both sides see a network that has gone quiet (as a pulled
/// cable or a dead Wi-Fi access point looks), not a refused or reset connection. New connections are accepted but not
/// joined to the broker until the hold ends. Released, everything queued flows on and closes are passed on.
/// </summary>
public sealed class BlackholeProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly Task _acceptLoop;
    private TaskCompletionSource _open = NewOpenGate(released: true);

    public BlackholeProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public string Url => $"mqtt://127.0.0.1:{Port}";

    /// <summary>Connections accepted so far (a client that reconnects after the hold adds one).</summary>
    public int Connections { get; private set; }

    public bool IsHeld => !_open.Task.IsCompleted;

    public void Hold()
    {
        lock (_sockets)
        {
            if (_open.Task.IsCompleted)
            {
                _open = NewOpenGate(released: false);
            }
        }
    }

    public void Release()
    {
        lock (_sockets)
        {
            _open.TrySetResult();
        }
    }

    /// <summary>
    /// Holds the network silent for <paramref name="duration"/>, then releases it. The duration is the fault being injected
    /// (the 30 s partition), not a wait for some result: nothing is asserted on timing.
    /// </summary>
    public async Task BlackholeAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        Hold();
        try
        {
            await Task.Delay(duration, cancellationToken);
        }
        finally
        {
            Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The listener was stopped on purpose.
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewOpenGate(bool released)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (released)
        {
            gate.SetResult();
        }

        return gate;
    }

    private Task Open()
    {
        lock (_sockets)
        {
            return _open.Task;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Connections++;
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        lock (_sockets)
        {
            _sockets.Add(client);
            _sockets.Add(upstream);
        }

        try
        {
            await Open().WaitAsync(_stop.Token);
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            client.NoDelay = upstream.NoDelay = true;
            await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or System.IO.IOException)
        {
            // The broker is down or the proxy is stopping: the client sees its connection close, as it would.
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
            lock (_sockets)
            {
                _sockets.Remove(client);
                _sockets.Remove(upstream);
            }
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        var source = from.GetStream();
        var destination = to.GetStream();
        try
        {
            while (true)
            {
                int n = await source.ReadAsync(buffer, _stop.Token);

                // Read while held is fine (the bytes wait here); nothing is written, and an end of stream is not passed on.
                await Open().WaitAsync(_stop.Token);
                if (n == 0)
                {
                    to.Client.Shutdown(SocketShutdown.Send);
                    return;
                }

                await destination.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or System.IO.IOException)
        {
            // A side reset or the proxy is stopping: close both, so the other side notices too.
            // Released by the end of the hold or by disposal.
            await Open();
            from.Dispose();
            to.Dispose();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Net.Sockets;
using Rig.Firmware.Link;
using Xunit;

namespace Rig.Firmware.Tests.Link;

/// <summary>
/// The device's reconnect loop (LinkSupervisor, run by MqttDeviceLink's thread on the ESP32): an attempt that throws,
/// from the client's constructor as M2Mqtt's does on a DNS failure, is one counted failure and a back-off, never the end
/// of the loop; the loop keeps trying until the broker answers, and again whenever the link drops.
/// </summary>
public sealed class LinkSupervisorTests
{
    [Fact]
    public void A_client_whose_constructor_throws_on_every_attempt_does_not_stop_the_loop()
    {
        FakeDnsConnector connector = new(failingLookups: int.MaxValue);
        ScriptedWaiter waiter = new(stopAfter: 50);
        LinkSupervisor supervisor = new(connector, waiter, new Random(1));

        supervisor.Run();

        Assert.Equal(50, connector.Attempts);
        Assert.Equal(50u, supervisor.ConnectFailures);
        Assert.Equal(50u, supervisor.AttemptsThrown);
        Assert.Equal(0u, supervisor.Connects);
        Assert.Equal("attempt threw: " + new SocketException((int)SocketError.HostNotFound).Message, supervisor.LastProblem);
    }

    [Fact]
    public void After_failed_lookups_the_loop_connects_once_the_name_resolves()
    {
        FakeDnsConnector connector = new(failingLookups: 4);
        ScriptedWaiter waiter = new(stopAfter: 8);
        LinkSupervisor supervisor = new(connector, waiter, new Random(2));

        supervisor.Run();

        Assert.Equal(5, connector.Attempts);
        Assert.True(connector.IsConnected);
        Assert.Equal(4u, supervisor.ConnectFailures);
        Assert.Equal(1u, supervisor.Connects);
        Assert.Equal(LinkSupervisor.MinBackoffMillis, supervisor.BackoffMillis);
        // Four back-offs (1, 2, 4, 8 s, each plus up to half again of jitter), then supervision of the live link.
        int[] expectedBase = [1000, 2000, 4000, 8000];
        for (int i = 0; i < expectedBase.Length; i++)
        {
            Assert.InRange(waiter.Waits[i], expectedBase[i], expectedBase[i] + (expectedBase[i] / 2) - 1);
        }

        for (int i = expectedBase.Length; i < waiter.Waits.Count; i++)
        {
            Assert.Equal(LinkSupervisor.SupervisionMillis, waiter.Waits[i]);
        }
    }

    [Fact]
    public void The_back_off_doubles_to_its_cap_and_stays_there()
    {
        FakeDnsConnector connector = new(failingLookups: int.MaxValue);
        ScriptedWaiter waiter = new(stopAfter: 12);
        LinkSupervisor supervisor = new(connector, waiter, new Random(3));

        supervisor.Run();

        Assert.Equal(LinkSupervisor.MaxBackoffMillis, supervisor.BackoffMillis);
        for (int i = 6; i < waiter.Waits.Count; i++)
        {
            Assert.InRange(waiter.Waits[i], LinkSupervisor.MaxBackoffMillis, LinkSupervisor.MaxBackoffMillis * 3 / 2);
        }
    }

    [Fact]
    public void A_link_that_drops_is_connected_again_and_the_back_off_starts_over()
    {
        FakeDnsConnector connector = new(failingLookups: 2);
        ScriptedWaiter waiter = new(stopAfter: 10);
        waiter.OnWait = n =>
        {
            // The broker goes away after the first connection and the name stops resolving for two attempts.
            if (n == 4 && connector.IsConnected)
            {
                connector.Drop(failingLookups: 2);
            }
        };
        LinkSupervisor supervisor = new(connector, waiter, new Random(4));

        supervisor.Run();

        Assert.Equal(2u, supervisor.Connects);
        Assert.Equal(4u, supervisor.ConnectFailures);
        Assert.True(connector.IsConnected);
        Assert.Equal(LinkSupervisor.MinBackoffMillis, supervisor.BackoffMillis);
    }

    [Fact]
    public void An_attempt_that_returns_a_problem_is_counted_without_being_called_thrown()
    {
        RefusingConnector connector = new();
        ScriptedWaiter waiter = new(stopAfter: 3);
        LinkSupervisor supervisor = new(connector, waiter, new Random(5));

        supervisor.Run();

        Assert.Equal(3u, supervisor.ConnectFailures);
        Assert.Equal(0u, supervisor.AttemptsThrown);
        Assert.Equal("broker refused the connection, reason 135", supervisor.LastProblem);
    }

    /// <summary>
    /// Test fake of the M2Mqtt client: like nanoFramework.M2Mqtt's MqttClient, its constructor resolves the broker's
    /// name, and throws when that fails.
    /// </summary>
    private sealed class FakeMqttClient
    {
        public FakeMqttClient(bool nameResolves)
        {
            if (!nameResolves)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }
        }
    }

    /// <summary>Test fake of MqttDeviceLink's attempt: constructs the client (which may throw), then connects.</summary>
    private sealed class FakeDnsConnector(int failingLookups) : ILinkConnector
    {
        private int _failingLookups = failingLookups;
        private FakeMqttClient? _client;

        public int Attempts { get; private set; }

        public bool IsConnected => _client is not null;

        public string TryConnect()
        {
            Attempts++;
            bool resolves = _failingLookups <= 0;
            if (!resolves && _failingLookups != int.MaxValue)
            {
                _failingLookups--;
            }

            _client = new FakeMqttClient(resolves);
            return string.Empty;
        }

        public void Drop(int failingLookups)
        {
            _client = null;
            _failingLookups = failingLookups;
        }
    }

    private sealed class RefusingConnector : ILinkConnector
    {
        public bool IsConnected => false;

        public string TryConnect() => "broker refused the connection, reason 135";
    }

    /// <summary>Test fake of the link thread's wait: records each wait, returns at once, and stops the loop after a count.</summary>
    private sealed class ScriptedWaiter(int stopAfter) : ILinkWaiter
    {
        public List<int> Waits { get; } = [];

        public Action<int>? OnWait { get; set; }

        public bool Wait(int millis)
        {
            Waits.Add(millis);
            OnWait?.Invoke(Waits.Count);
            return Waits.Count < stopAfter;
        }
    }
}

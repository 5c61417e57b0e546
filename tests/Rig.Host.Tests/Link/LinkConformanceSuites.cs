using System.Net;
using System.Threading.Tasks;
using Rig.Recording.Broker;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Link;

/// <summary>The conformance suite against the in-process fake broker.</summary>
public sealed class InMemoryLinkConformanceTests : LinkConformanceTests
{
    private InMemoryBroker? _broker;

    protected override Task<ILinkFactory> StartBrokerAsync()
    {
        _broker = new InMemoryBroker("conformance");
        return Task.FromResult<ILinkFactory>(_broker.CreateLinkFactory());
    }

    protected override Task StopBrokerAsync()
    {
        _broker!.Stop();
        return Task.CompletedTask;
    }

    protected override Task StartBrokerAgainAsync()
    {
        _broker!.Start();
        return Task.CompletedTask;
    }

    protected override Task<ILinkFactory> UnreachableFactoryAsync()
    {
        var down = new InMemoryBroker("down");
        down.Stop();
        return Task.FromResult<ILinkFactory>(down.CreateLinkFactory());
    }

    protected override ValueTask DisposeBrokerAsync() => ValueTask.CompletedTask;
}

/// <summary>The conformance suite: MqttLink against the embedded MQTTnet broker.</summary>
public sealed class EmbeddedBrokerLinkConformanceTests : LinkConformanceTests
{
    private EmbeddedBroker? _broker;
    private int _port;

    protected override string? UnreachableReason => "connection refused";

    protected override async Task<ILinkFactory> StartBrokerAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0, BindAddress = IPAddress.Loopback }, Ct);
        _port = _broker.Port;
        return new MqttLinkFactory(_broker.Address);
    }

    protected override async Task StopBrokerAsync()
    {
        await _broker!.DisposeAsync();
        _broker = null;
    }

    protected override async Task StartBrokerAgainAsync() =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = _port, BindAddress = IPAddress.Loopback }, Ct);

    protected override Task<ILinkFactory> UnreachableFactoryAsync() =>
        Task.FromResult<ILinkFactory>(new MqttLinkFactory(new BrokerAddress("127.0.0.1", FreePort.Pick())));

    protected override async ValueTask DisposeBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    protected override void AssertBrokerDroppedNothing() => Assert.Equal(0, _broker!.DroppedMessages);
}

/// <summary>The conformance suite: MqttLink against a real Mosquitto process.</summary>
public sealed class MosquittoLinkConformanceTests : LinkConformanceTests
{
    private MosquittoBroker? _broker;

    protected override string? UnreachableReason => "connection refused";

    protected override async Task<ILinkFactory> StartBrokerAsync()
    {
        _broker = await MosquittoBroker.StartAsync(Ct);
        return new MqttLinkFactory(_broker.Address);
    }

    protected override Task StopBrokerAsync() => _broker!.KillAsync();

    protected override Task StartBrokerAgainAsync() => _broker!.RestartAsync(Ct);

    protected override Task<ILinkFactory> UnreachableFactoryAsync() =>
        Task.FromResult<ILinkFactory>(new MqttLinkFactory(new BrokerAddress("127.0.0.1", FreePort.Pick())));

    protected override async ValueTask DisposeBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

using System;
using System.Threading;
using System.Threading.Tasks;
using Rig.Protocol;
using Rig.Recording.Link;

namespace Rig.Bench.Perf;

/// <summary>
/// The benchmark's stand-in for the devices' command handling: acknowledges every command the bridge sends a rig (Ok, the
/// stream's boot). A bridge starts a session only once its status request is acknowledged, and the acknowledgement confirms
/// the boot whose batches follow (docs/security.md, "One identity per session").
/// </summary>
internal sealed class CommandResponder : IAsyncDisposable
{
    private readonly MqttLink _link;
    private readonly uint _bootId;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private CommandResponder(MqttLink link, uint bootId)
    {
        _link = link;
        _bootId = bootId;
    }

    public static async Task<CommandResponder> StartAsync(BrokerAddress address, string clientId, uint bootId, int rigs, Func<int, string> rigId,
        CancellationToken cancellationToken)
    {
        var responder = new CommandResponder(new MqttLink(address, new LinkOptions { ClientId = clientId }), bootId);
        try
        {
            await responder._link.ConnectAsync(cancellationToken);
            for (int r = 0; r < rigs; r++)
            {
                await responder._link.SubscribeAsync(new RigTopics(rigId(r)).Command, cancellationToken);
            }
        }
        catch
        {
            await responder._link.DisposeAsync();
            throw;
        }

        responder._loop = responder.AnswerAsync(responder._stop.Token);
        return responder;
    }

    private async Task AnswerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _link.Messages.ReadAllAsync(cancellationToken))
            {
                byte[] bytes = message.Payload.ToArray();
                var command = Command.Read(new ByteReader(bytes, 0, bytes.Length));
                if ((command.Flags & CommandFlags.NoAck) != 0 || command.Opcode == CommandOpcode.SyncRequest)
                {
                    continue;
                }

                var ack = new byte[Ack.Size];
                new Ack { Result = AckResult.Ok, Opcode = command.Opcode, CommandId = command.CommandId, BootId = _bootId }
                    .Write(new ByteWriter(ack, 0, ack.Length));
                await _link.PublishAsync(message.Topic[..^"cmd".Length] + "ack", ack, retain: false, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed: the run is over.
        }
    }

    /// <summary>Stops answering; a failure while answering (a command it could not read) surfaces here.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _link.DisposeAsync();
        _stop.Dispose();
    }
}

using System;
using System.CommandLine;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Broker;

namespace Rig.Cli.Commands;

/// <summary>`rig broker`: the embedded MQTT broker on its own, for devices and bridges in other processes.</summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "TCP port", DefaultValueFactory = _ => 1883 };
        port.Validators.Add(r =>
        {
            int p = r.GetValueOrDefault<int>();
            if (p is < 0 or > 65535)
            {
                r.AddError($"--port must be 0-65535 (0 picks a free port), not {p}");
            }
        });
        var listen = new Option<string>("--listen")
        {
            Description = "Address to listen on (127.0.0.1 for this machine only; 0.0.0.0 for devices on the network)",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        listen.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string>();
            if (value is null || !IPAddress.TryParse(value, out _))
            {
                r.AddError($"--listen must be an IP address, not '{value}'");
            }
        });
        var command = new Command("broker", "Run the embedded MQTT broker until Ctrl-C") { port, listen };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(port), IPAddress.Parse(parse.GetValue(listen)!), ct));
        return command;
    }

    private static async Task<int> RunAsync(int port, IPAddress listen, CancellationToken ct)
    {
        try
        {
            await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = port, BindAddress = listen }, ct);
            await Console.Error.WriteLineAsync($"rig broker: listening on {broker.Address}; Ctrl-C stops");
            Console.WriteLine(broker.Address);
            await Console.Out.FlushAsync(ct);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C.
            }

            if (broker.DroppedMessages > 0)
            {
                await Console.Error.WriteLineAsync($"rig broker: {broker.DroppedMessages} message(s) were dropped for slow clients");
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException or System.IO.IOException)
        {
            await Console.Error.WriteLineAsync($"rig broker: cannot listen on {listen}:{port}: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}

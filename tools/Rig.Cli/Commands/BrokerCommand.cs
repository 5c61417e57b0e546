using System;
using System.CommandLine;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Broker;
using Rig.Recording.Link;

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
            Description = "Address to listen on (127.0.0.1 for this machine only; 0.0.0.0 for devices on the network, which needs --accounts or --insecure)",
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
        var accounts = new Option<string?>(AccountsOption)
        {
            Description = "A `rig broker-config` folder: clients must log in with its accounts (passwd) and stay within its acl",
        };
        var insecure = new Option<bool>(NetworkExposure.InsecureOption)
        {
            Description = "Allow an open broker (no accounts) on a non-loopback --listen address: anyone on the network can connect",
        };
        var command = new Command("broker", "Run the embedded MQTT broker until Ctrl-C") { port, listen, accounts, insecure };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(port), IPAddress.Parse(parse.GetValue(listen)!), parse.GetValue(accounts),
            parse.GetValue(insecure), ct));
        return command;
    }

    private const string AccountsOption = "--accounts";

    private static async Task<int> RunAsync(int port, IPAddress listen, string? accountsFolder, bool insecure, CancellationToken ct)
    {
        BrokerAccounts? accounts;
        try
        {
            // Checked before anything listens: an open broker on the network never exists, not even for a moment.
            accounts = accountsFolder is null ? null : BrokerAccounts.Load(accountsFolder);
            if (NetworkExposure.OpenListenerProblem(listen, accounts is not null, AccountsOption + " DIR") is { } problem && !insecure)
            {
                throw new InsecureNetworkException(problem);
            }
        }
        catch (Exception e) when (e is InsecureNetworkException or SecurityConfigException)
        {
            return await CliErrors.ReportAsync("broker", e);
        }

        try
        {
            if (accounts is null && !NetworkExposure.IsLoopback(listen))
            {
                await Console.Error.WriteLineAsync("rig broker: " + NetworkExposure.OpenListenerWarning(listen));
            }

            await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = port, BindAddress = listen, Accounts = accounts, Insecure = insecure }, ct);
            string access = accounts is null ? "no login needed" : $"{accounts.Users.Count} account(s) from {accounts.Folder}, anonymous clients refused";
            await Console.Error.WriteLineAsync($"rig broker: listening on {broker.Address} ({access}); Ctrl-C stops");
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

            if (broker.RequiresLogin)
            {
                // Every refusal is reported, so a misconfigured rig or a hostile client shows up, never silently goes nowhere.
                await Console.Error.WriteLineAsync($"rig broker: refused {broker.RefusedLogins} login(s), {broker.RefusedPublishes} publish(es) and " +
                    $"{broker.RefusedSubscriptions} subscription(s) the accounts do not allow");
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

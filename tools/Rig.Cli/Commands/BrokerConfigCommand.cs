using System;
using System.CommandLine;
using System.Linq;
using System.Threading.Tasks;
using Rig.Provisioning.Security;
using Rig.Recording.Link;

namespace Rig.Cli.Commands;

/// <summary>
/// `rig broker-config`: writes a Mosquitto configuration with one account per rig and per rig's VR renderer, a bridge
/// account and the ACL between them (docs/security.md). Prints where the files are, never a password.
/// </summary>
internal static class BrokerConfigCommand
{
    public static Command Create()
    {
        var rigs = new Option<string>("--rigs") { Description = "Comma-separated rig ids, one account each (e.g. rig1,rig2)", Required = true };
        var output = new Option<string>("--out") { Description = "New folder for mosquitto.conf, acl, passwd and credentials/*.json", Required = true };
        var bridgeUser = new Option<string>("--bridge-user")
        {
            Description = "Account of the bridge (reads every rig, commands every rig)",
            DefaultValueFactory = _ => MosquittoPlan.DefaultBridgeUser,
        };
        var port = new Option<int?>("--port") { Description = "Listener port (default 8883 with TLS, 1883 without)" };
        var listen = new Option<string>("--listen") { Description = "Listener address", DefaultValueFactory = _ => "0.0.0.0" };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "CA certificate (PEM) on the broker host; with --tls-cert and --tls-key makes a TLS listener" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Broker certificate (PEM) on the broker host" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "Broker private key (PEM) on the broker host" };
        var gimblTreadmill = new Option<string>("--gimbl-treadmill")
        {
            Description = "The linear treadmill's MQTT name in a lab's Gimbl project (the bridge writes <name>/Data)",
            DefaultValueFactory = _ => "LinearTreadmill",
        };
        var command = new Command("broker-config", "Write a Mosquitto configuration: one account per rig and per rig's VR renderer, a bridge account, and the ACL between them")
        {
            rigs, output, bridgeUser, port, listen, tlsCa, tlsCert, tlsKey, gimblTreadmill,
        };
        command.SetAction(parse => RunAsync(
            parse.GetValue(rigs)!, parse.GetValue(output)!, parse.GetValue(bridgeUser)!, parse.GetValue(port), parse.GetValue(listen)!,
            parse.GetValue(tlsCa), parse.GetValue(tlsCert), parse.GetValue(tlsKey), parse.GetValue(gimblTreadmill)!));
        return command;
    }

    private static async Task<int> RunAsync(string rigs, string output, string bridgeUser, int? port, string listen, string? tlsCa, string? tlsCert, string? tlsKey,
        string gimblTreadmill)
    {
        try
        {
            int tlsGiven = new[] { tlsCa, tlsCert, tlsKey }.Count(f => !string.IsNullOrWhiteSpace(f));
            if (tlsGiven is not (0 or 3))
            {
                throw new SecurityConfigException("--tls-ca", "a TLS listener needs all three of --tls-ca, --tls-cert and --tls-key");
            }

            var plan = new MosquittoPlan
            {
                RigIds = rigs.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                BridgeUser = bridgeUser,
                Port = port,
                ListenAddress = listen,
                Tls = tlsGiven == 3 ? new MosquittoTlsFiles(tlsCa!, tlsCert!, tlsKey!) : null,
                GimblTreadmill = gimblTreadmill,
            };
            var files = MosquittoConfig.Write(output, plan);
            await Console.Out.WriteLineAsync($"mosquitto configuration in {files.Folder}:");
            await Console.Out.WriteLineAsync($"  start the broker:  mosquitto -c {files.ConfigFile}");
            await Console.Out.WriteLineAsync($"  password file (hashes only): readable by {files.PasswordFileAccess}");
            await Console.Out.WriteLineAsync($"  accounts ({files.CredentialFiles.Count}), one login file each (owner-only; give each to its rig, its renderer or the bridge, --credentials):");
            foreach (var (user, file) in files.CredentialFiles)
            {
                await Console.Out.WriteLineAsync($"    {user,-32} {file}");
            }

            if (plan.Tls is null)
            {
                await Console.Error.WriteLineAsync("rig broker-config: warning: no TLS listener; passwords cross the network in clear (add --tls-ca, --tls-cert, --tls-key)");
            }

            return ExitCodes.Ok;
        }
        catch (Exception e)
        {
            return await CliErrors.ReportAsync("broker-config", e);
        }
    }
}

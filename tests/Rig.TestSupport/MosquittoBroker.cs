using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.TestSupport;

/// <summary>
/// A REAL Mosquitto broker process for tests, on a free loopback port, with its config and log in a temporary folder.
/// Disposing kills the process and deletes the folder.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _executable;
    private readonly TempDirectory _folder;
    private readonly string _configPath;
    private readonly StringBuilder _console = new();
    private Process? _process;

    private MosquittoBroker(string executable, TempDirectory folder, int port, bool useTls = false)
    {
        _executable = executable;
        _folder = folder;
        Port = port;
        Address = new BrokerAddress(IPAddress.Loopback.ToString(), port, useTls);
        LogPath = folder.Combine("mosquitto.log");
        _configPath = folder.Combine("mosquitto.conf");
    }

    public int Port { get; }

    public BrokerAddress Address { get; }

    /// <summary>Mosquitto's own log, kept for failure messages.</summary>
    public string LogPath { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts Mosquitto and waits until it accepts TCP connections.</summary>
    public static Task<MosquittoBroker> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(
            port => string.Join('\n', string.Create(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1"), "allow_anonymous true"),
            useTls: false,
            cancellationToken: cancellationToken);

    /// <summary>
    /// Starts Mosquitto with the listener and access settings <paramref name="listenerConfig"/> writes for the chosen port
    /// (e.g. a generated password file, ACL and TLS files; the listener must bind 127.0.0.1 on that port), plus this
    /// class's own logging and no persistence. <see cref="Address"/> is <c>mqtts://</c> when <paramref name="useTls"/>.
    /// </summary>
    /// <param name="port">The port the listener binds (a config file written for it); null: a free port, passed to <paramref name="listenerConfig"/>.</param>
    /// <param name="asShipped">Leaves out the harness's <c>user</c> line and logs to the console: Mosquitto then runs the way a
    /// lab starts it from generated files (started as root, it switches to its own "mosquitto" user before reading them).</param>
    public static async Task<MosquittoBroker> StartAsync(Func<int, string> listenerConfig, bool useTls, int? port = null, bool asShipped = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listenerConfig);
        var executable = FindExecutable();
        var folder = new TempDirectory();
        var broker = new MosquittoBroker(executable, folder, port ?? FreePort.Pick(), useTls);
        try
        {
            var config = string.Join(
                '\n',
                listenerConfig(broker.Port),
                "persistence false",
                "max_queued_messages 0",
                "set_tcp_nodelay true",

                // Started as root, mosquitto switches to the "mosquitto" user, which cannot write the log in our temp folder.
                asShipped ? "" : $"user {Environment.UserName}",
                asShipped ? "log_dest stderr" : $"log_dest file {broker.LogPath}",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "log_type information",
                "connection_messages true",
                "log_timestamp true",
                "");
            await File.WriteAllTextAsync(broker._configPath, config, cancellationToken);
            await broker.LaunchAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the broker with SIGKILL (no clean shutdown, no wills published), as a crash would.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>Kills the broker if it runs and starts it again on the same port (retained messages are gone: no persistence).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync();
        await LaunchAsync(cancellationToken);
    }

    /// <summary>The broker's log and console output, for failure messages.</summary>
    public string ReadLog()
    {
        string log;
        try
        {
            log = File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log file was written)";
        }
        catch (IOException ex)
        {
            log = $"(cannot read {LogPath}: {ex.Message})";
        }

        string console;
        lock (_console)
        {
            console = _console.ToString();
        }

        return console.Length == 0 ? log : $"{log}\n--- console ---\n{console}";
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        _process = null;
        _folder.Dispose();
    }

    private static string FindExecutable()
    {
        foreach (var candidate in Candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "mosquitto");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("mosquitto is not installed: run scripts/test.sh (it installs it) or apt-get install mosquitto");
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        _process?.Dispose();
        var start = new ProcessStartInfo(_executable)
        {
            ArgumentList = { "-c", _configPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder.Path,
        };
        var process = new Process { StartInfo = start };

        // Mosquitto reports config errors on the console before it opens its log, so the console is kept too.
        process.OutputDataReceived += (_, e) => AppendConsole(e.Data);
        process.ErrorDataReceived += (_, e) => AppendConsole(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var waited = Stopwatch.StartNew();
        while (!await AcceptsConnectionsAsync(cancellationToken))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"mosquitto exited with code {process.ExitCode} before it listened on port {Port}; its log:\n{ReadLog()}");
            }

            if (waited.Elapsed > StartTimeout)
            {
                throw new TimeoutException(
                    $"mosquitto did not accept connections on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds:0} s; its log:\n{ReadLog()}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private void AppendConsole(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_console)
        {
            _console.AppendLine(line);
        }
    }

    private async Task<bool> AcceptsConnectionsAsync(CancellationToken cancellationToken)
    {
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            // Not listening yet: the caller polls again.
            return false;
        }
    }
}

/// <summary>Free TCP ports on loopback, for brokers started by tests.</summary>
public static class FreePort
{
    /// <summary>A port that was free a moment ago (the OS picks it; another process could still take it before it is used).</summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

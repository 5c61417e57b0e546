using System;
using System.Globalization;
using System.IO;
using System.IO.Ports;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Provisioning.Calibration.Run;

/// <summary>What the operator (or scale) is asked to weigh: the water of <paramref name="Pulses"/> pulses of one duration.</summary>
public sealed record ScaleRequest(uint DurationMicros, int Pulses);

/// <summary>Where the collected mass comes from: typed in, a serial balance, or the virtual rig's simulated one.</summary>
public interface IScale
{
    string Description { get; }

    /// <summary>The mass of the water collected for <paramref name="request"/>, grams, always more than zero.</summary>
    Task<double> ReadGramsAsync(ScaleRequest request, CancellationToken cancellationToken);
}

/// <summary>A mass that could not be obtained or is not a usable mass; nothing is recorded from it.</summary>
public sealed class ScaleException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The operator types the mass at the terminal, in grams. A negative, zero or non-numeric entry is answered with a
/// clear message and asked for again; the end of input stops the run (nothing is recorded for that duration).
/// </summary>
public sealed class TerminalScale(TextReader input, TextWriter output) : IScale
{
    public string Description => "typed in at the terminal";

    public async Task<double> ReadGramsAsync(ScaleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        while (true)
        {
            await output.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                $"mass of the water from {request.Pulses} pulses of {request.DurationMicros / 1000.0:0.###} ms, in grams (e.g. 0.5123): "));
            await output.FlushAsync(cancellationToken);
            // WaitAsync: a console read does not observe its token once blocked, and Ctrl-C must end the prompt.
            string? line = await input.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken)
                ?? throw new ScaleException("no mass entered (end of input)");
            if (TryParseGrams(line, out double grams, out string? problem))
            {
                return grams;
            }

            await output.WriteLineAsync(problem + "; enter the mass again");
        }
    }

    /// <summary>Reads a typed mass in grams; a unit suffix "g" is allowed.</summary>
    public static bool TryParseGrams(string text, out double grams, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.EndsWith('g'))
        {
            trimmed = trimmed[..^1].TrimEnd();
        }

        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out grams) || !double.IsFinite(grams))
        {
            problem = $"'{text.Trim()}' is not a number of grams";
            return false;
        }

        if (grams <= 0)
        {
            problem = $"the mass must be more than zero grams, not {grams.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        problem = null;
        return true;
    }
}

/// <summary>
/// How the balance's serial port is set up: speed and framing (e.g. 9600 8N1), the line ending of its answers, the print
/// command and how long to wait for an answer. The defaults suit most laboratory balances; the manual gives the real ones.
/// </summary>
public sealed partial record SerialScaleSettings
{
    public int BaudRate { get; init; } = 9600;

    /// <summary>Data bits, parity and stop bits, e.g. "8N1" or "7E1"; read by <see cref="Framing"/>.</summary>
    public string FramingText { get; init; } = "8N1";

    /// <summary>What ends an answer line. LF: a balance ending lines with CR LF works too, the CR is dropped.</summary>
    public string NewLine { get; init; } = "\n";

    /// <summary>Sent as is to ask for one reading.</summary>
    public string Command { get; init; } = "P\r\n";

    /// <summary>The longest wait for an answer line.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the settings before anything is opened; a <see cref="ScaleException"/> names the bad one.</summary>
    public void Validate()
    {
        if (BaudRate <= 0)
        {
            throw new ScaleException($"--scale-baud must be more than 0, not {BaudRate}");
        }

        Framing();
    }

    /// <summary>
    /// Reads <see cref="FramingText"/>: data bits 5-8, parity N(one) E(ven) O(dd) M(ark) S(pace), stop bits 1, 1.5 or 2.
    /// Throws <see cref="ScaleException"/> naming the text when it is not one.
    /// </summary>
    public (int DataBits, Parity Parity, StopBits StopBits) Framing()
    {
        var match = FramingPattern().Match(FramingText ?? "");
        if (!match.Success)
        {
            throw new ScaleException($"--scale-framing '{FramingText}' is not a serial framing: data bits 5-8, parity N E O M or S, stop bits 1, 1.5 or 2, e.g. 8N1 or 7E1");
        }

        var parity = char.ToUpperInvariant(match.Groups["parity"].Value[0]) switch
        {
            'E' => Parity.Even,
            'O' => Parity.Odd,
            'M' => Parity.Mark,
            'S' => Parity.Space,
            _ => Parity.None,
        };
        var stop = match.Groups["stop"].Value switch
        {
            "2" => StopBits.Two,
            "1.5" => StopBits.OnePointFive,
            _ => StopBits.One,
        };
        return (match.Groups["data"].Value[0] - '0', parity, stop);
    }

    [GeneratedRegex(@"^(?<data>[5-8])(?<parity>[NEOMSneoms])(?<stop>1\.5|1|2)$")]
    private static partial Regex FramingPattern();
}

/// <summary>
/// A balance on a serial line speaking a plain line protocol: the host sends a print command ("P\r\n" by default),
/// the balance answers one line such as "  1.2345 g" (or "S S   1.2345 g" with a stability flag, or in mg).
/// <see cref="Open"/> opens a serial port with <see cref="SerialPort"/> (speed, framing, line ending and read timeout set on
/// the port); the stream constructor reads any stream, so this class tests without hardware.
/// </summary>
public sealed partial class SerialLineScale : IScale, IDisposable
{
    private readonly Stream? _stream;
    private readonly SerialPort? _port;
    private readonly string _command;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public SerialLineScale(Stream stream, string name, TimeProvider time, string command = "P\r\n", TimeSpan? timeout = null)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _command = command;
        _timeout = timeout ?? TimeSpan.FromSeconds(5);
        Description = "serial balance on " + name;
    }

    private SerialLineScale(SerialPort port, SerialScaleSettings settings, TimeProvider time)
    {
        _port = port;
        _time = time;
        _command = settings.Command;
        _timeout = settings.Timeout;
        Description = "serial balance on " + port.PortName;
    }

    public string Description { get; }

    /// <summary>
    /// Opens <paramref name="portName"/> (e.g. /dev/ttyUSB0 or COM3) with <paramref name="settings"/>; a port that cannot be
    /// opened (missing, busy, no permission) is a <see cref="ScaleException"/> naming it.
    /// </summary>
    public static SerialLineScale Open(string portName, SerialScaleSettings settings, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(portName);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        settings.Validate();
        if (!OperatingSystem.IsWindows() && Path.IsPathRooted(portName) && !File.Exists(portName))
        {
            // SerialPort reports a missing device as "access denied", which would send the operator after permissions.
            throw new ScaleException($"the balance's serial port '{portName}' does not exist: is the balance (or its USB adapter) plugged in?");
        }

        var (dataBits, parity, stopBits) = settings.Framing();
        int timeoutMs = (int)Math.Clamp(settings.Timeout.TotalMilliseconds, 1, int.MaxValue);
        var port = new SerialPort(portName, settings.BaudRate, parity, dataBits, stopBits)
        {
            NewLine = settings.NewLine,
            ReadTimeout = timeoutMs,
            WriteTimeout = timeoutMs,
            Encoding = Encoding.ASCII,
        };
        try
        {
            port.Open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            port.Dispose();
            string hint = e is UnauthorizedAccessException ? " (on Linux your user needs the dialout group)" : "";
            throw new ScaleException($"cannot open the balance's serial port '{portName}': {e.Message}{hint}", e);
        }

        return new SerialLineScale(port, settings, time);
    }

    public async Task<double> ReadGramsAsync(ScaleRequest request, CancellationToken cancellationToken)
    {
        if (_port is not null)
        {
            // SerialPort's reads block; ReadTimeout ends them, WaitAsync lets Ctrl-C end the wait at once.
            string answer = await Task.Run(AskPort, cancellationToken).WaitAsync(cancellationToken);
            return ParseLine(answer);
        }

        byte[] command = Encoding.ASCII.GetBytes(_command);
        await _stream!.WriteAsync(command, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
        string line;
        using (var timeout = new CancellationTokenSource(_timeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                line = await ReadLineAsync(linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new ScaleException(NoAnswer());
            }
        }

        return ParseLine(line);
    }

    public void Dispose() => _port?.Dispose();

    /// <summary>Parses one balance line to grams; throws <see cref="ScaleException"/> naming the line when it is not a positive mass in g or mg.</summary>
    public static double ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var match = MassLine().Match(line);
        if (!match.Success)
        {
            throw new ScaleException($"the balance sent '{line.Trim()}', not a mass such as '1.2345 g'");
        }

        double value = double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        string unit = match.Groups["unit"].Value;
        double grams = unit switch
        {
            "g" => value,
            "mg" => value / 1000,
            _ => throw new ScaleException($"the balance sent '{line.Trim()}' in '{unit}'; set it to g or mg"),
        };
        if (grams <= 0)
        {
            throw new ScaleException($"the balance reads {line.Trim()}: not a positive mass (is the cup on it, and was it tared without the cup?)");
        }

        return grams;
    }

    private string NoAnswer() => string.Create(CultureInfo.InvariantCulture, $"{Description}: no answer within {_timeout.TotalSeconds:0.#} s to '{_command.TrimEnd()}'");

    /// <summary>Sends the print command and reads answer lines until one is not blank; the port's ReadTimeout bounds each read.</summary>
    private string AskPort()
    {
        var port = _port!;
        try
        {
            port.Write(_command);
            while (true)
            {
                string line = port.ReadLine().Trim('\r');
                if (line.Trim().Length > 0)
                {
                    return line;
                }
            }
        }
        catch (TimeoutException e)
        {
            throw new ScaleException(NoAnswer(), e);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            throw new ScaleException($"{Description}: the serial line failed: {e.Message}", e);
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            // WaitAsync: a tty opened as a file blocks in read() and ignores the token, which would defeat the timeout.
            int n = await _stream!.ReadAsync(one, cancellationToken).AsTask().WaitAsync(cancellationToken);
            if (n == 0)
            {
                throw new ScaleException($"{Description}: the line closed before the balance answered");
            }

            char c = (char)one[0];
            if (c == '\n' || (c == '\r' && text.Length > 0))
            {
                if (text.ToString().Trim().Length > 0)
                {
                    return text.ToString();
                }

                text.Clear();
                continue;
            }

            if (c != '\r')
            {
                text.Append(c);
            }
        }
    }

    // Optional stability/status flags before the number (e.g. "S S"), then the value and a unit word.
    [GeneratedRegex(@"^\s*(?:[A-Za-z?]{1,2}\s+){0,2}(?<value>[+-]?\d+(?:\.\d+)?)\s*(?<unit>[A-Za-z]+)\s*$")]
    private static partial Regex MassLine();
}

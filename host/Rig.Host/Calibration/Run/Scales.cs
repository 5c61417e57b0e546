using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Host.Calibration.Run;

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
/// A balance on a serial line speaking a plain line protocol: the host sends a print command ("P\r\n" by default),
/// the balance answers one line such as "  1.2345 g" (or "S S   1.2345 g" with a stability flag, or in mg).
/// The stream is opened by the caller (a tty configured with stty, or any stream), so this class tests without
/// hardware.
/// </summary>
public sealed partial class SerialLineScale : IScale
{
    private readonly Stream _stream;
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

    public string Description { get; }

    public async Task<double> ReadGramsAsync(ScaleRequest request, CancellationToken cancellationToken)
    {
        byte[] command = Encoding.ASCII.GetBytes(_command);
        await _stream.WriteAsync(command, cancellationToken);
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
                throw new ScaleException($"{Description}: no answer within {_timeout.TotalSeconds:0.#} s to '{_command.TrimEnd()}'");
            }
        }

        return ParseLine(line);
    }

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

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            // WaitAsync: a tty opened as a file blocks in read() and ignores the token, which would defeat the timeout.
            int n = await _stream.ReadAsync(one, cancellationToken).AsTask().WaitAsync(cancellationToken);
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

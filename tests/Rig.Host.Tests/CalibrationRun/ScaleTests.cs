using System;
using System.Diagnostics;
using System.IO;
using System.IO.Ports;
using System.Text;
using System.Threading.Tasks;
using Rig.Provisioning.Calibration.Run;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.CalibrationRun;

public sealed class ScaleTests
{
    private static readonly ScaleRequest Request = new(40_000, 100);

    [Fact]
    public async Task A_typed_negative_zero_or_non_numeric_mass_gets_a_clear_message_and_is_asked_for_again()
    {
        var output = new StringWriter();
        var scale = new TerminalScale(new StringReader("-1\n\nabc\n0\n 0.5123 g \n"), output);
        double grams = await scale.ReadGramsAsync(Request, TestContext.Current.CancellationToken);
        Assert.Equal(0.5123, grams);
        string text = output.ToString();
        Assert.Contains("must be more than zero grams, not -1; enter the mass again", text, StringComparison.Ordinal);
        Assert.Contains("'abc' is not a number of grams", text, StringComparison.Ordinal);
        Assert.Contains("100 pulses of 40 ms", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_end_of_typed_input_is_a_scale_error_not_a_mass()
    {
        var scale = new TerminalScale(new StringReader("x\n"), new StringWriter());
        await Assert.ThrowsAsync<ScaleException>(() => scale.ReadGramsAsync(Request, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("  1.2345 g", 1.2345)]
    [InlineData("S S     1.2345 g", 1.2345)]
    [InlineData("523.4 mg", 0.5234)]
    [InlineData("0.0100g", 0.01)]
    public void Balance_lines_in_g_or_mg_are_read_as_grams(string line, double grams)
    {
        Assert.Equal(grams, SerialLineScale.ParseLine(line), 9);
    }

    [Theory]
    [InlineData("  1.2345 oz", "set it to g or mg")]
    [InlineData("  -0.0012 g", "not a positive mass")]
    [InlineData("ERR 4", "not a mass")]
    public void Balance_lines_in_other_units_negative_or_garbled_are_refused(string line, string message)
    {
        var e = Assert.Throws<ScaleException>(() => SerialLineScale.ParseLine(line));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fake_serial_balance_stream_answers_the_print_command_with_a_line()
    {
        // An in-test fake of the serial line: whatever is written is checked, the answer is queued for reading.
        var fake = new FakeBalanceStream("\r\n   0.4567 g\r\n");
        var scale = new SerialLineScale(fake, "fake", TimeProvider.System);
        Assert.Equal(0.4567, await scale.ReadGramsAsync(Request, TestContext.Current.CancellationToken));
        Assert.Equal("P\r\n", fake.Written);
    }

    [Fact]
    public async Task A_serial_balance_on_a_pseudo_terminal_is_read_through_a_serial_port()
    {
        // A fake device on a real pty pair: a Python helper owns the master side and answers "P" like a balance;
        // the slave side is opened with SerialPort, which sets speed, framing and timeouts on it like on a USB adapter.
        await using var balance = await PtyBalance.StartAsync(answer: true);
        using var scale = SerialLineScale.Open(balance.Tty, new SerialScaleSettings { FramingText = "7E1", Timeout = TimeSpan.FromSeconds(10) }, TimeProvider.System);
        Assert.Equal(1.2345, await scale.ReadGramsAsync(Request, TestContext.Current.CancellationToken));
        Assert.Equal("serial balance on " + balance.Tty, scale.Description);
    }

    [Fact]
    public async Task A_serial_balance_that_does_not_answer_within_the_read_timeout_is_a_scale_error()
    {
        await using var balance = await PtyBalance.StartAsync(answer: false);
        using var scale = SerialLineScale.Open(balance.Tty, new SerialScaleSettings { Timeout = TimeSpan.FromMilliseconds(300) }, TimeProvider.System);
        var e = await Assert.ThrowsAsync<ScaleException>(() => scale.ReadGramsAsync(Request, TestContext.Current.CancellationToken));
        Assert.Contains("no answer within 0.3 s to 'P'", e.Message, StringComparison.Ordinal);
        Assert.IsType<TimeoutException>(e.InnerException);
    }

    [Fact]
    public void A_serial_port_that_does_not_exist_is_a_scale_error_naming_it()
    {
        string missing = Path.Combine(Path.GetTempPath(), "rig-no-such-tty-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ScaleException>(() => SerialLineScale.Open(missing, new SerialScaleSettings(), TimeProvider.System));
        Assert.Contains($"the balance's serial port '{missing}' does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_serial_port_cannot_be_opened_as_one_and_the_error_names_it()
    {
        using var dir = new TempDirectory();
        string file = dir.Combine("not-a-tty");
        File.WriteAllText(file, "");
        var e = Assert.Throws<ScaleException>(() => SerialLineScale.Open(file, new SerialScaleSettings(), TimeProvider.System));
        Assert.Contains($"cannot open the balance's serial port '{file}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8N1", 8, Parity.None, StopBits.One)]
    [InlineData("7E1", 7, Parity.Even, StopBits.One)]
    [InlineData("7o2", 7, Parity.Odd, StopBits.Two)]
    [InlineData("5N1.5", 5, Parity.None, StopBits.OnePointFive)]
    public void Serial_framing_text_gives_data_bits_parity_and_stop_bits(string text, int dataBits, Parity parity, StopBits stopBits)
    {
        Assert.Equal((dataBits, parity, stopBits), new SerialScaleSettings { FramingText = text }.Framing());
    }

    [Theory]
    [InlineData("9N1")]
    [InlineData("8X1")]
    [InlineData("8N3")]
    [InlineData("")]
    public void A_framing_that_is_not_one_is_refused_naming_the_text(string text)
    {
        var e = Assert.Throws<ScaleException>(() => new SerialScaleSettings { FramingText = text }.Validate());
        Assert.Contains($"--scale-framing '{text}' is not a serial framing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_baud_rate_of_zero_is_refused()
    {
        var e = Assert.Throws<ScaleException>(() => new SerialScaleSettings { BaudRate = 0 }.Validate());
        Assert.Contains("--scale-baud must be more than 0, not 0", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A pty pair whose master side a Python helper owns: it waits for "P" and answers a mass, or stays silent.</summary>
    private sealed class PtyBalance : IAsyncDisposable
    {
        private const string Script = """
import os, pty, sys, tty
master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
if sys.argv[1] == 'answer':
    buf = b''
    while b'P' not in buf:
        buf += os.read(master, 64)
    os.write(master, b'\r\n  1.2345 g\r\n')
sys.stdin.readline()
""";

        private readonly Process _helper;

        private PtyBalance(Process helper, string tty)
        {
            _helper = helper;
            Tty = tty;
        }

        public string Tty { get; }

        public static async Task<PtyBalance> StartAsync(bool answer)
        {
            var start = new ProcessStartInfo("python3", ["-c", Script, answer ? "answer" : "silent"]) { RedirectStandardOutput = true, RedirectStandardInput = true };
            var helper = Process.Start(start)!;
            string tty = (await helper.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken))!.Trim();
            return new PtyBalance(helper, tty);
        }

        public async ValueTask DisposeAsync()
        {
            await _helper.StandardInput.WriteLineAsync();
            if (!_helper.WaitForExit(5000))
            {
                _helper.Kill();
            }

            _helper.Dispose();
        }
    }

    private sealed class FakeBalanceStream(string answer) : Stream
    {
        private readonly MemoryStream _answer = new(Encoding.ASCII.GetBytes(answer));
        private readonly MemoryStream _written = new();

        public string Written => Encoding.ASCII.GetString(_written.ToArray());

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _written.Length == 0 ? 0 : _answer.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);
    }
}

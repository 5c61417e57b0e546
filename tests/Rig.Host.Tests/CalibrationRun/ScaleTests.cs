using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Rig.Host.Calibration.Run;
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
    public async Task A_serial_balance_on_a_pseudo_terminal_is_read_through_the_tty()
    {
        // A fake device on a real pty pair: a Python helper owns the master side and answers "P" like a balance.
        const string script = """
import os, pty, sys, tty
master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
buf = b''
while b'P' not in buf:
    buf += os.read(master, 64)
os.write(master, b'  1.2345 g\r\n')
sys.stdin.readline()
""";
        var start = new ProcessStartInfo("python3", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardInput = true };
        using var helper = Process.Start(start)!;
        try
        {
            string tty = (await helper.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken))!.Trim();
            await using var stream = new FileStream(tty, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, useAsync: false);
            var scale = new SerialLineScale(stream, tty, TimeProvider.System, timeout: TimeSpan.FromSeconds(10));
            Assert.Equal(1.2345, await scale.ReadGramsAsync(Request, TestContext.Current.CancellationToken));
        }
        finally
        {
            await helper.StandardInput.WriteLineAsync();
            if (!helper.WaitForExit(5000))
            {
                helper.Kill();
            }
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

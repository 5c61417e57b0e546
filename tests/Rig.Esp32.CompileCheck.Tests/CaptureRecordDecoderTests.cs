using Rig.Firmware.Esp32.Hardware;
using Rig.Firmware.Esp32.Native;
using Rig.Firmware.Hardware;
using Xunit;

namespace Rig.Esp32.CompileCheck.Tests;

/// <summary>The managed half of the capture record contract (layout documented on NativeCapture).</summary>
public sealed class CaptureRecordDecoderTests
{
    [Fact]
    public void The_decoder_and_the_interop_declaration_agree_on_the_record_size()
    {
        Assert.Equal(NativeCapture.RecordBytes, CaptureRecordDecoder.RecordBytes);
        Assert.Equal(24, CaptureRecordDecoder.RecordBytes);
    }

    [Fact]
    public void A_record_is_read_little_endian_at_its_offset()
    {
        byte[] buffer = new byte[2 * CaptureRecordDecoder.RecordBytes];
        int at = CaptureRecordDecoder.RecordBytes;
        byte[] record =
        [
            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0xF1, // device_us 0xF102030405060708
            0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // value -5
            (byte)CaptureLine.ValveMonitor, 3, 1, 0x04,     // line, channel, level, flags
            0, 0, 0, 0,                                     // reserved
        ];
        record.CopyTo(buffer, at);
        CaptureRecord decoded = default;

        CaptureRecordDecoder.Decode(buffer, at, ref decoded);

        Assert.Equal(0xF102030405060708UL, decoded.DeviceMicros);
        Assert.Equal(-5L, decoded.Value);
        Assert.Equal(CaptureLine.ValveMonitor, decoded.Line);
        Assert.Equal(3, decoded.Channel);
        Assert.Equal(1, decoded.Level);
    }

    [Fact]
    public void Every_capture_line_number_passes_through_unchanged()
    {
        byte[] buffer = new byte[CaptureRecordDecoder.RecordBytes];
        for (byte line = 0; line < 16; line++)
        {
            buffer[CaptureRecordDecoder.LineOffset] = line;
            CaptureRecord decoded = default;

            CaptureRecordDecoder.Decode(buffer, 0, ref decoded);

            Assert.Equal(line, (byte)decoded.Line);
        }
    }
}

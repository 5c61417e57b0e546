using System;
using System.Linq;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Fakes;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests.Support;

/// <summary>A <see cref="RigDevice"/> wired to fakes, with helpers to feed it edges and commands and read what it published.</summary>
public sealed class DeviceHarness
{
    public const uint Boot = 0xB0071D01;

    /// <param name="configure">Adjusts the config. The encoder keep-alive defaults to "never" here so that only
    /// the first sample and real count changes produce encoder records; tests that need it set it.</param>
    public DeviceHarness(Action<DeviceConfig>? configure = null, int valveChannels = 4, int outputChannels = 4)
    {
        Config = new DeviceConfig { EncoderKeepAliveMicros = uint.MaxValue };
        configure?.Invoke(Config);
        Capture = new FakeCaptureSource();
        Encoder = new FakeEncoder();
        Valve = new FakeValve(valveChannels);
        Tone = new FakeTone();
        Outputs = new FakeOutputs(outputChannels);
        Link = new FakeDeviceLink();
        Clock = new FakeClock();
        Device = new RigDevice(Config, Boot, Clock, Capture, Encoder, Valve, Tone, Outputs, Link);
    }

    /// <summary>A harness whose device has started at 0 µs, with the valve closings that start made already forgotten.</summary>
    public static DeviceHarness Started(Action<DeviceConfig>? configure = null)
    {
        var h = new DeviceHarness(configure);
        h.Device.Start(0);
        h.Valve.ForceCloses.Clear(); // Start closed every valve.
        return h;
    }

    /// <summary>The device clock, read where the firmware needs the time now rather than the loop's time (sync replies).</summary>
    public FakeClock Clock { get; }

    public DeviceConfig Config { get; }

    public FakeCaptureSource Capture { get; }

    public FakeEncoder Encoder { get; }

    public FakeValve Valve { get; }

    public FakeTone Tone { get; }

    public FakeOutputs Outputs { get; }

    public FakeDeviceLink Link { get; }

    public RigDevice Device { get; }

    /// <summary>Hands a command to the device as the link's receive thread does, stamped <paramref name="receivedMicros"/>.</summary>
    public void Offer(Command command, ulong receivedMicros) => Offer(Cmd.Encode(command), receivedMicros);

    public void Offer(byte[] message, ulong receivedMicros) =>
        Assert.True(Device.OfferCommand(message, 0, message.Length, receivedMicros), "the inbox refused the command");

    /// <summary>Offers the command and runs one loop iteration at <paramref name="nowMicros"/>.</summary>
    public void Execute(Command command, ulong nowMicros)
    {
        Offer(command, nowMicros);
        Device.Poll(nowMicros);
    }

    /// <summary>Executes the command and returns the single acknowledgement it produced.</summary>
    public Ack ExecuteForAck(Command command, ulong nowMicros)
    {
        int before = Link.Acks().Count;
        Execute(command, nowMicros);
        var acks = Link.Acks();
        Assert.Equal(before + 1, acks.Count);
        return acks[^1];
    }

    /// <summary>Acknowledges batches through <paramref name="upToBatchSeq"/> (NoAck, as the bridge does) and polls.</summary>
    public void AckThrough(uint upToBatchSeq, ulong nowMicros) => Execute(Cmd.AckBatches(0xACC, upToBatchSeq), nowMicros);

    /// <summary>Asks for a status now and returns it as published.</summary>
    public DeviceStatus RequestStatus(ulong nowMicros)
    {
        Execute(Cmd.RequestStatus(0x5747), nowMicros);
        return Link.Statuses()[^1];
    }

    /// <summary>A rising then falling frame-clock edge: one frame event at <paramref name="micros"/>.</summary>
    public void Frame(ulong micros, byte channel = 0)
    {
        Capture.Push(micros, CaptureLine.FrameClock, channel, 1);
        Capture.Push(micros + 100, CaptureLine.FrameClock, channel, 0);
    }

    /// <summary>The last status published.</summary>
    public DeviceStatus LastStatus => Link.Statuses().Last();
}

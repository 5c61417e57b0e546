namespace Rig.Firmware.Esp32
{
    using System;
    using System.Diagnostics;
    using System.Threading;
    using Rig.Firmware.Esp32.Hardware;
    using Rig.Firmware.Esp32.Link;
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Esp32.Settings;
    using Rig.Protocol;

    /// <summary>
    /// The ESP32 application: reads the device configuration, starts the native capture module on the pins of
    /// <see cref="PinMap"/>, and runs the firmware core (RigDevice) in a loop on the device clock. Everything with logic
    /// in it lives in Rig.Firmware.Core (tested on the host) or in the small parsers here that the host tests link in.
    /// </summary>
    public static class Program
    {
        /// <summary>
        /// The loop gives the CPU away for at most this long per iteration (or less, when a command arrives). Captured
        /// edges wait in the native ring meanwhile, already timestamped, and an armed reward fires from the ISR, so the
        /// loop period only sets batching latency, far below DeviceConfig.MaxBatchAgeMicros (20 ms).
        /// </summary>
        public const int LoopIdleMillis = 1;

        private const int FaultBlinkMillis = 150;

        public static void Main()
        {
            StatusLed led = new StatusLed(PinMap.StatusLed0);

            DeviceSettings settings = SettingsFile.Load(SettingsFile.DefaultPath);
            if (!settings.IsValid)
            {
                Fault(led, settings.Problem);
                return;
            }

            DeviceConfig config = new DeviceConfig();
            // The native module samples the encoder on its own 1 kHz timer (EncoderSample records); the main loop
            // must not add a second, jittery sample stream.
            config.EncoderSampleIntervalMicros = 0;

            // The file's safety limits (if any) before the buffers and the native module, which takes the hard maximum.
            string limitsProblem = settings.ApplyLimitsTo(config);
            if (limitsProblem.Length != 0)
            {
                Fault(led, limitsProblem);
                return;
            }

            // 34 s of events at 1,000 events/s when the managed heap (in PSRAM on WROVER boards) can hold 1 MiB of
            // buffers; 4 s otherwise. The status reports which (DeviceStatus.BufferSeconds).
            uint freeManagedBytes = nanoFramework.Runtime.Native.GC.Run(true);
            bool large = config.ChooseBuffers(freeManagedBytes);
            Debug.WriteLine("Managed heap free: " + freeManagedBytes.ToString() + " bytes; buffers: " + (large ? "large" : "default")
                + ", " + Rig.Firmware.Publishing.BufferBudget.StatusSeconds(config).ToString() + " s at 1,000 events/s");

            string problem = NativeSetup.ConfigureAndStart(config.ValveHardMaxOpenMicros, config.LickDebounceMicros, config.MinInterLickMicros);
            if (problem.Length != 0)
            {
                NativeSetup.MakeSafe();
                Fault(led, problem);
                return;
            }

            string bootProblem;
            uint bootId = BootCounterFile.NextBootId(BootCounterFile.DefaultPath, NativeCapture.NowMicros(), out bootProblem);
            if (bootProblem.Length != 0)
            {
                Debug.WriteLine(bootProblem);
            }

            MqttDeviceLink link = new MqttDeviceLink(new RigTopics(settings.RigId), bootId, settings.BrokerHost, settings.BrokerPort,
                settings.Username, settings.Password, settings.UseTls ? settings.CaPem : string.Empty);
            RigDevice device = new RigDevice(config, bootId, new NativeClock(), new NativeCaptureSource(config.CaptureDrainBatch),
                new NativeEncoder(), new NativeValve(PinMap.ValveChannels), new NativeTone(), new NativeOutputs(PinMap.SyncOutChannels),
                link);

            try
            {
                link.Start(device);
                Run(device, link, led);
            }
            catch (Exception e)
            {
                // The last line of defence: whatever escaped the firmware core, the valves are shut before the
                // device stops serving (the native hard maximum would close them anyway, within 500 ms).
                NativeSetup.MakeSafe();
                Fault(led, "stopped: " + e.Message);
            }
        }

        private static void Run(RigDevice device, MqttDeviceLink link, StatusLed led)
        {
            int seenGeneration = 0;
            device.Start(NativeCapture.NowMicros());
            while (true)
            {
                int generation = link.ConnectedGeneration;
                if (generation != seenGeneration)
                {
                    // On this thread, never the link's: the batch store belongs to the main loop.
                    seenGeneration = generation;
                    device.OnLinkConnected();
                }

                device.Poll(NativeCapture.NowMicros());
                led.Set(link.IsConnected);
                link.WaitForWork(LoopIdleMillis);
            }
        }

        /// <summary>Reports the problem on the debug output and blinks the status LED for good.</summary>
        private static void Fault(StatusLed led, string problem)
        {
            Debug.WriteLine("Rig firmware fault: " + problem);
            AutoResetEvent never = new AutoResetEvent(false);
            while (true)
            {
                led.Set(!led.IsOn);
                never.WaitOne(FaultBlinkMillis, false);
            }
        }
    }
}

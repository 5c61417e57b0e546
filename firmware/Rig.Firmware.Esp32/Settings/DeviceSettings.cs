namespace Rig.Firmware.Esp32.Settings
{
    using Rig.Protocol;

    /// <summary>
    /// The device configuration <c>rig flash</c> writes to <c>I:\rig-config.bin</c>: rig id, broker, MQTT login, the
    /// broker's CA and the pin map it was made from, as one binary <see cref="DeviceSettingsRecord"/> (docs/protocol.md,
    /// "Device settings record"; docs/cli.md, "The device configuration file"). Wi-Fi is not in it: the nanoFramework
    /// wireless configuration holds it. The shared codec reads the bytes; this wrapper adds what only the firmware can
    /// check (a CA for TLS, the same pin map as <see cref="PinMap"/>) and never throws: it always returns an object, and
    /// <see cref="Problem"/> says what is wrong. Tested on the host (tests/Rig.Esp32.CompileCheck.Tests).
    /// </summary>
    public sealed class DeviceSettings
    {
        /// <summary>More pin entries than any ESP32 board can have is a corrupt file, not a pin map.</summary>
        public const int MaxPins = DeviceSettingsRecord.MaxPins;

        private readonly DeviceSettingsRecord _record;

        private DeviceSettings(DeviceSettingsRecord record, string problem)
        {
            _record = record;
            Problem = problem;
        }

        public string RigId
        {
            get { return _record.RigId; }
        }

        public string BrokerHost
        {
            get { return _record.BrokerHost; }
        }

        public int BrokerPort
        {
            get { return _record.BrokerPort; }
        }

        /// <summary>True for an mqtts:// broker: the link speaks TLS 1.2 and checks the broker's certificate against <see cref="CaPem"/>.</summary>
        public bool UseTls
        {
            get { return _record.UseTls; }
        }

        /// <summary>PEM of the CA that signed the broker's certificate; empty without TLS.</summary>
        public string CaPem
        {
            get { return _record.CaPem; }
        }

        /// <summary>Empty when the broker takes anonymous clients.</summary>
        public string Username
        {
            get { return _record.Username; }
        }

        public string Password
        {
            get { return _record.Password; }
        }

        /// <summary>Pin entries read from the file's pin map.</summary>
        public int PinEntries
        {
            get { return _record.PinCount; }
        }

        /// <summary>Empty when the settings are usable; otherwise what is wrong, for the fault report.</summary>
        public string Problem { get; private set; }

        public bool IsValid
        {
            get { return Problem.Length == 0; }
        }

        /// <summary>Settings that could not be read at all (no file, storage error).</summary>
        public static DeviceSettings Unavailable(string problem)
        {
            return new DeviceSettings(new DeviceSettingsRecord(), problem);
        }

        /// <summary>Reads the file's bytes; a record the codec refuses becomes <see cref="Problem"/> with the codec's reason.</summary>
        public static DeviceSettings Read(byte[] bytes, int offset, int count)
        {
            DeviceSettingsRecord record;
            try
            {
                record = DeviceSettingsRecord.Read(new ByteReader(bytes, offset, count));
            }
            catch (ProtocolException e)
            {
                return Unavailable("device configuration cannot be read (" + e.Message + "); re-run `rig flash` with a matching version");
            }

            DeviceSettings settings = new DeviceSettings(record, string.Empty);
            settings.Validate();
            return settings;
        }

        /// <summary>True when the file carries safety limits (<c>rig flash --limits</c>); without them the firmware's defaults hold.</summary>
        public bool HasSafetyLimits
        {
            get { return _record.HasSafetyLimits; }
        }

        /// <summary>
        /// Puts the file's safety limits (valve hard maximum, host silence, water budget) into <paramref name="config"/> and
        /// runs the firmware's own check on the result. Returns the empty string when the device can run with them, or what
        /// is wrong, for the fault report (<c>rig flash</c> runs the same check before writing, so only a file written by
        /// other means gets here with a bad combination).
        /// </summary>
        public string ApplyLimitsTo(DeviceConfig config)
        {
            string refused = config.ApplySafetyLimits(_record);
            if (refused.Length != 0)
            {
                return "device configuration: the safety limits cannot run (" + refused + "); re-run `rig flash --limits`";
            }

            return string.Empty;
        }

        /// <summary>The GPIO, function and channel of pin entry <paramref name="index"/> as read from the file.</summary>
        public int PinGpio(int index)
        {
            return _record.PinGpio(index);
        }

        public string PinFunction(int index)
        {
            return _record.PinFunction(index);
        }

        public int PinChannel(int index)
        {
            return _record.PinChannel(index);
        }

        private void Validate()
        {
            if (_record.UseTls && !HasPemCertificate(_record.CaPem))
            {
                // The ESP32 has no system trust store: without the lab's CA the broker's certificate cannot be checked.
                Reject("the broker is mqtts:// (TLS) but the configuration holds no PEM certificate of its CA (ca_pem); re-run `rig flash --ca-file`");
            }
            else
            {
                CheckPinMap();
            }
        }

        /// <summary>The deployed pin map must be the one this firmware was built for: same pins, same GPIOs.</summary>
        private void CheckPinMap()
        {
            for (int i = 0; i < PinEntries; i++)
            {
                string function = _record.PinFunction(i);
                int channel = _record.PinChannel(i);
                int gpio = _record.PinGpio(i);
                int expected = PinMap.GpioOf(function, channel);
                if (expected != gpio)
                {
                    Reject("the pin map in the configuration does not match this firmware: " + function + " channel " + channel.ToString()
                        + " is GPIO " + gpio.ToString() + " in the file and " + (expected < 0 ? "unused" : "GPIO " + expected.ToString()) + " in PinMap.cs");
                    return;
                }
            }

            if (PinEntries != PinMap.PinCount)
            {
                Reject("the pin map in the configuration has " + PinEntries.ToString() + " pins and this firmware uses " + PinMap.PinCount.ToString());
            }
        }

        /// <summary>True when <paramref name="text"/> holds a PEM certificate header (checked char by char: the core library reference has no IndexOf).</summary>
        private static bool HasPemCertificate(string text)
        {
            const string Marker = "-----BEGIN CERTIFICATE-----";
            for (int start = 0; start + Marker.Length <= text.Length; start++)
            {
                int i = 0;
                while (i < Marker.Length && text[start + i] == Marker[i])
                {
                    i++;
                }

                if (i == Marker.Length)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A readable record with a setting this firmware cannot run with: the first problem is the one reported.</summary>
        private void Reject(string what)
        {
            if (Problem.Length == 0)
            {
                Problem = "device configuration: " + what;
            }
        }
    }
}

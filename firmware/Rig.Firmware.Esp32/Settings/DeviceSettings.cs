namespace Rig.Firmware.Esp32.Settings
{
    using Rig.Protocol;

    /// <summary>
    /// The device configuration <c>rig flash</c> writes to <c>I:\rig-config.json</c> (docs/cli.md, "The device
    /// configuration file"; format 1): rig id, broker, MQTT login and the pin map it was made from. Wi-Fi is not in it:
    /// the nanoFramework wireless configuration holds it. Parsed by hand rather than with nanoFramework.Json, whose
    /// reflection-based binding has changed between releases, and so that this parser is tested on the host
    /// (tests/Rig.Esp32.CompileCheck.Tests). Always returns an object; <see cref="Problem"/> says what is wrong.
    /// </summary>
    public sealed class DeviceSettings
    {
        public const int SupportedFormat = 1;

        /// <summary>More pin entries than any ESP32 board can have is a corrupt file, not a pin map.</summary>
        public const int MaxPins = 48;

        private const int MaxDepth = 16;

        private const int Top = 0;
        private const int Broker = 1;
        private const int Mqtt = 2;
        private const int PinMapObject = 3;
        private const int PinList = 4;
        private const int PinEntry = 5;
        private const int Ignored = 6;

        private readonly string _text;
        private readonly int[] _pinGpio;
        private readonly int[] _pinChannel;
        private readonly string[] _pinFunction;
        private int _pos;
        private int _format;
        private bool _hasFormat;
        private bool _hasPinMap;
        private bool _tls;
        private int _entryGpio;
        private int _entryChannel;
        private string _entryFunction;

        private DeviceSettings(string text)
        {
            _text = text;
            _pinGpio = new int[MaxPins];
            _pinChannel = new int[MaxPins];
            _pinFunction = new string[MaxPins];
            _entryFunction = string.Empty;
            RigId = string.Empty;
            BrokerHost = string.Empty;
            Username = string.Empty;
            Password = string.Empty;
            CaPem = string.Empty;
            Problem = string.Empty;
        }

        public string RigId { get; private set; }

        public string BrokerHost { get; private set; }

        public int BrokerPort { get; private set; }

        /// <summary>True for an mqtts:// broker: the link speaks TLS 1.2 and checks the broker's certificate against <see cref="CaPem"/>.</summary>
        public bool UseTls
        {
            get { return _tls; }
        }

        /// <summary>PEM of the CA that signed the broker's certificate ("broker"."ca_pem"); empty without TLS.</summary>
        public string CaPem { get; private set; }

        /// <summary>Empty when the broker takes anonymous clients.</summary>
        public string Username { get; private set; }

        public string Password { get; private set; }

        /// <summary>Pin entries read from the file's pin map (0 when it has none).</summary>
        public int PinEntries { get; private set; }

        /// <summary>Empty when the settings are usable; otherwise what is wrong, for the fault report.</summary>
        public string Problem { get; private set; }

        public bool IsValid
        {
            get { return Problem.Length == 0; }
        }

        /// <summary>Settings that could not be read at all (no file, storage error).</summary>
        public static DeviceSettings Unavailable(string problem)
        {
            DeviceSettings settings = new DeviceSettings(string.Empty);
            settings.Problem = problem;
            return settings;
        }

        public static DeviceSettings Parse(string json)
        {
            DeviceSettings settings = new DeviceSettings(json);
            settings.ParseDocument();
            if (settings.IsValid)
            {
                settings.Validate();
            }

            return settings;
        }

        /// <summary>The GPIO, function and channel of pin entry <paramref name="index"/> as read from the file.</summary>
        public int PinGpio(int index)
        {
            return _pinGpio[index];
        }

        public string PinFunction(int index)
        {
            return _pinFunction[index];
        }

        public int PinChannel(int index)
        {
            return _pinChannel[index];
        }

        private void ParseDocument()
        {
            SkipWhitespace();
            if (Peek() != '{')
            {
                Fail("the file must hold one JSON object");
                return;
            }

            ParseObject(Top, 1);
            SkipWhitespace();
            if (IsValid && _pos != _text.Length)
            {
                Fail("text after the closing '}'");
            }
        }

        private void Validate()
        {
            if (!_hasFormat || _format != SupportedFormat)
            {
                Reject("\"format\" must be " + SupportedFormat.ToString() + " (this firmware reads format " + SupportedFormat.ToString() + "; re-run `rig flash` with a matching version)");
            }
            else if (!RigTopics.IsValidRigId(RigId))
            {
                Reject("\"rig_id\" must be 1 to 32 characters of A-Z a-z 0-9 _ -");
            }
            else if (BrokerHost.Length == 0)
            {
                Reject("\"broker\".\"host\" is missing");
            }
            else if (BrokerPort < 1 || BrokerPort > 65535)
            {
                Reject("\"broker\".\"port\" must be 1 to 65535");
            }
            else if (_tls && !HasPemCertificate(CaPem))
            {
                // The ESP32 has no system trust store: without the lab's CA the broker's certificate cannot be checked.
                Reject("the broker is mqtts:// (TLS) but \"broker\".\"ca_pem\" holds no PEM certificate; re-run `rig flash --ca-file`");
            }
            else if (_hasPinMap)
            {
                CheckPinMap();
            }
        }

        /// <summary>The deployed pin map must be the one this firmware was built for: same pins, same GPIOs.</summary>
        private void CheckPinMap()
        {
            for (int i = 0; i < PinEntries; i++)
            {
                int expected = PinMap.GpioOf(_pinFunction[i], _pinChannel[i]);
                if (expected != _pinGpio[i])
                {
                    Reject("the pin map in the configuration does not match this firmware: " + _pinFunction[i] + " channel " + _pinChannel[i].ToString()
                        + " is GPIO " + _pinGpio[i].ToString() + " in the file and " + (expected < 0 ? "unused" : "GPIO " + expected.ToString()) + " in PinMap.cs");
                    return;
                }
            }

            if (PinEntries != PinMap.PinCount)
            {
                Reject("the pin map in the configuration has " + PinEntries.ToString() + " pins and this firmware uses " + PinMap.PinCount.ToString());
            }
        }

        private void ParseObject(int context, int depth)
        {
            if (depth > MaxDepth)
            {
                Fail("nested too deeply");
                return;
            }

            _pos++;
            SkipWhitespace();
            if (Peek() == '}')
            {
                _pos++;
                return;
            }

            while (IsValid)
            {
                SkipWhitespace();
                if (Peek() != '"')
                {
                    Fail("expected a property name");
                    return;
                }

                string key = ReadString();
                SkipWhitespace();
                if (Peek() != ':')
                {
                    Fail("expected ':' after \"" + key + "\"");
                    return;
                }

                _pos++;
                SkipWhitespace();
                ParseMember(context, key, depth);
                SkipWhitespace();
                char c = Peek();
                _pos++;
                if (c == '}')
                {
                    return;
                }

                if (c != ',')
                {
                    _pos--;
                    Fail("expected ',' or '}'");
                }
            }
        }

        private void ParseArray(int context, int depth)
        {
            if (depth > MaxDepth)
            {
                Fail("nested too deeply");
                return;
            }

            _pos++;
            SkipWhitespace();
            if (Peek() == ']')
            {
                _pos++;
                return;
            }

            while (IsValid)
            {
                SkipWhitespace();
                if (context == PinList && Peek() == '{')
                {
                    BeginPin();
                    ParseObject(PinEntry, depth + 1);
                    EndPin();
                }
                else
                {
                    ParseMember(Ignored, string.Empty, depth);
                }

                SkipWhitespace();
                char c = Peek();
                _pos++;
                if (c == ']')
                {
                    return;
                }

                if (c != ',')
                {
                    _pos--;
                    Fail("expected ',' or ']'");
                }
            }
        }

        private void ParseMember(int context, string key, int depth)
        {
            char c = Peek();
            if (c == '{')
            {
                int child = ObjectContext(context, key);
                if (child == PinMapObject)
                {
                    _hasPinMap = true;
                }

                ParseObject(child, depth + 1);
            }
            else if (c == '[')
            {
                ParseArray(context == PinMapObject && key == "pins" ? PinList : Ignored, depth + 1);
            }
            else if (c == '"')
            {
                StoreString(context, key, ReadString());
            }
            else if (c == 't' || c == 'f')
            {
                StoreBool(context, key, ReadBool());
            }
            else if (c == 'n')
            {
                ReadLiteral("null");
                StoreNull(context, key);
            }
            else
            {
                long value;
                bool isInteger = ReadNumber(out value);
                StoreNumber(context, key, isInteger, value);
            }
        }

        private static int ObjectContext(int context, string key)
        {
            if (context == Top)
            {
                if (key == "broker") return Broker;
                if (key == "mqtt") return Mqtt;
                if (key == "pinmap") return PinMapObject;
            }

            return Ignored;
        }

        private void StoreString(int context, string key, string value)
        {
            if (context == Top && key == "rig_id") RigId = value;
            else if (context == Broker && key == "host") BrokerHost = value;
            else if (context == Broker && key == "ca_pem") CaPem = value;
            else if (context == Mqtt && key == "username") Username = value;
            else if (context == Mqtt && key == "password") Password = value;
            else if (context == PinEntry && key == "function") _entryFunction = value;
            else if (IsNumberField(context, key) || IsBoolField(context, key)) Reject("\"" + key + "\" must not be a string");
        }

        private void StoreNumber(int context, string key, bool isInteger, long value)
        {
            if (!IsNumberField(context, key))
            {
                if (IsStringField(context, key) || IsBoolField(context, key))
                {
                    Reject("\"" + key + "\" must not be a number");
                }

                return;
            }

            if (!isInteger || value < int.MinValue || value > int.MaxValue)
            {
                Reject("\"" + key + "\" must be a whole number");
                return;
            }

            int number = (int)value;
            if (context == Top) { _format = number; _hasFormat = true; }
            else if (context == Broker) BrokerPort = number;
            else if (key == "gpio") _entryGpio = number;
            else _entryChannel = number;
        }

        private void StoreBool(int context, string key, bool value)
        {
            if (IsBoolField(context, key))
            {
                _tls = value;
            }
            else if (IsStringField(context, key) || IsNumberField(context, key))
            {
                Reject("\"" + key + "\" must not be true or false");
            }
        }

        private void StoreNull(int context, string key)
        {
            // "mqtt": null and "password": null are how rig flash writes an anonymous broker and a login without password.
            if (context == Mqtt && key == "password")
            {
                Password = string.Empty;
            }
            else if (context != Top || key != "mqtt")
            {
                if (IsStringField(context, key) || IsNumberField(context, key) || IsBoolField(context, key))
                {
                    Reject("\"" + key + "\" must not be null");
                }
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

        private static bool IsStringField(int context, string key)
        {
            return (context == Top && key == "rig_id") || (context == Broker && (key == "host" || key == "ca_pem"))
                || (context == Mqtt && (key == "username" || key == "password")) || (context == PinEntry && key == "function");
        }

        private static bool IsNumberField(int context, string key)
        {
            return (context == Top && key == "format") || (context == Broker && key == "port")
                || (context == PinEntry && (key == "gpio" || key == "channel"));
        }

        private static bool IsBoolField(int context, string key)
        {
            return context == Broker && key == "tls";
        }

        private void BeginPin()
        {
            _entryGpio = -1;
            _entryChannel = -1;
            _entryFunction = string.Empty;
        }

        private void EndPin()
        {
            if (!IsValid)
            {
                return;
            }

            if (_entryGpio < 0 || _entryChannel < 0 || _entryFunction.Length == 0)
            {
                Reject("pin map entry " + PinEntries.ToString() + " needs \"gpio\", \"function\" and \"channel\"");
                return;
            }

            if (PinEntries == MaxPins)
            {
                Reject("the pin map has more than " + MaxPins.ToString() + " entries");
                return;
            }

            _pinGpio[PinEntries] = _entryGpio;
            _pinChannel[PinEntries] = _entryChannel;
            _pinFunction[PinEntries] = _entryFunction;
            PinEntries++;
        }

        private string ReadString()
        {
            _pos++;
            int start = _pos;
            bool escaped = false;
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == '"')
                {
                    string value = escaped ? Unescape(start, _pos) : _text.Substring(start, _pos - start);
                    _pos++;
                    return value;
                }

                if (c == '\\')
                {
                    escaped = true;
                    _pos++;
                }
                else if (c < ' ')
                {
                    Fail("control character in a string");
                    return string.Empty;
                }

                _pos++;
            }

            Fail("unterminated string");
            return string.Empty;
        }

        private string Unescape(int start, int end)
        {
            char[] chars = new char[end - start];
            int n = 0;
            for (int i = start; i < end; i++)
            {
                char c = _text[i];
                if (c != '\\')
                {
                    chars[n++] = c;
                    continue;
                }

                i++;
                char e = _text[i];
                if (e == 'n') chars[n++] = '\n';
                else if (e == 't') chars[n++] = '\t';
                else if (e == 'r') chars[n++] = '\r';
                else if (e == 'b') chars[n++] = '\b';
                else if (e == 'f') chars[n++] = '\f';
                else if (e == '"' || e == '\\' || e == '/') chars[n++] = e;
                else if (e == 'u' && i + 4 < end)
                {
                    int code = 0;
                    for (int k = 1; k <= 4; k++)
                    {
                        int digit = HexValue(_text[i + k]);
                        if (digit < 0)
                        {
                            Fail("bad \\u escape");
                            return string.Empty;
                        }

                        code = (code * 16) + digit;
                    }

                    chars[n++] = (char)code;
                    i += 4;
                }
                else
                {
                    Fail("bad escape in a string");
                    return string.Empty;
                }
            }

            return new string(chars, 0, n);
        }

        private static int HexValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        private bool ReadBool()
        {
            if (Peek() == 't')
            {
                ReadLiteral("true");
                return true;
            }

            ReadLiteral("false");
            return false;
        }

        private void ReadLiteral(string literal)
        {
            for (int i = 0; i < literal.Length; i++)
            {
                if (Peek() != literal[i])
                {
                    Fail("expected " + literal);
                    return;
                }

                _pos++;
            }
        }

        /// <summary>Reads any JSON number; returns true and its value when it is an integer of at most 18 digits.</summary>
        private bool ReadNumber(out long value)
        {
            value = 0;
            bool negative = false;
            if (Peek() == '-')
            {
                negative = true;
                _pos++;
            }

            int digits = 0;
            while (Peek() >= '0' && Peek() <= '9')
            {
                if (digits < 18)
                {
                    value = (value * 10) + (Peek() - '0');
                }

                digits++;
                _pos++;
            }

            if (digits == 0)
            {
                Fail("expected a value");
                return false;
            }

            bool isInteger = digits <= 18;
            if (Peek() == '.')
            {
                isInteger = false;
                _pos++;
                SkipDigits();
            }

            if (Peek() == 'e' || Peek() == 'E')
            {
                isInteger = false;
                _pos++;
                if (Peek() == '+' || Peek() == '-')
                {
                    _pos++;
                }

                SkipDigits();
            }

            if (negative)
            {
                value = -value;
            }

            return isInteger;
        }

        private void SkipDigits()
        {
            int start = _pos;
            while (Peek() >= '0' && Peek() <= '9')
            {
                _pos++;
            }

            if (_pos == start)
            {
                Fail("malformed number");
            }
        }

        private void SkipWhitespace()
        {
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\uFEFF')
                {
                    return;
                }

                _pos++;
            }
        }

        /// <summary>The character at the cursor, or '\0' at the end (never a valid JSON character outside strings).</summary>
        private char Peek()
        {
            return _pos < _text.Length ? _text[_pos] : '\0';
        }

        /// <summary>Malformed JSON: reports where, and stops the parse.</summary>
        private void Fail(string what)
        {
            if (Problem.Length == 0)
            {
                Problem = "device configuration is not valid JSON: " + what + " (at character " + _pos.ToString() + ")";
                _pos = _text.Length;
            }
        }

        /// <summary>Well-formed JSON with a wrong or missing setting: stops the parse too, the first problem is the one reported.</summary>
        private void Reject(string what)
        {
            if (Problem.Length == 0)
            {
                Problem = "device configuration: " + what;
                _pos = _text.Length;
            }
        }
    }
}

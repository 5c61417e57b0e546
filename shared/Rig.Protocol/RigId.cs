namespace Rig.Protocol
{
    /// <summary>
    /// A rig id: 1 to 32 characters of [A-Za-z0-9_-]. It becomes an MQTT topic level, a folder name and a broker user
    /// name, so wildcards, separators and path characters are refused. This is the one place that rule and its message live.
    /// </summary>
    public struct RigId
    {
        /// <summary>The rule, as every message about a bad rig id states it.</summary>
        public const string Rule = "1-32 characters of A-Z a-z 0-9 _ -";

        private readonly string _value;

        private RigId(string value)
        {
            _value = value;
        }

        /// <summary>The id's text; empty for the default (unset) value.</summary>
        public string Value
        {
            get { return _value == null ? string.Empty : _value; }
        }

        /// <summary>Whether <paramref name="text"/> is a valid rig id; null is not.</summary>
        public static bool IsValid(string text)
        {
            if (text == null || text.Length == 0 || text.Length > WireLimits.MaxRigIdLength)
            {
                return false;
            }

            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The rig id in <paramref name="text"/>, or false (and the default value) when it is not one.</summary>
        public static bool TryParse(string text, out RigId id)
        {
            if (!IsValid(text))
            {
                id = default(RigId);
                return false;
            }

            id = new RigId(text);
            return true;
        }

        /// <summary>The rig id in <paramref name="text"/>; a <see cref="ProtocolException"/> (<see cref="ProtocolError.InvalidRigId"/>) with <see cref="Problem(string, string)"/> otherwise.</summary>
        public static RigId Parse(string text)
        {
            RigId id;
            if (!TryParse(text, out id))
            {
                throw new ProtocolException(ProtocolError.InvalidRigId, "rig id", Problem(text, "rig id"));
            }

            return id;
        }

        /// <summary>The message for a bad value: "invalid rig id 'x': use 1-32 characters of A-Z a-z 0-9 _ -".</summary>
        public static string Problem(string text)
        {
            return Problem(text, "rig id");
        }

        /// <summary>The message for a bad value of something that follows the rig id rule, e.g. "bridge user name".</summary>
        public static string Problem(string text, string what)
        {
            return "invalid " + what + " '" + (text == null ? string.Empty : text) + "': use " + Rule;
        }

        public override string ToString()
        {
            return Value;
        }

        public override bool Equals(object? obj)
        {
            return obj is RigId && ((RigId)obj).Value == Value;
        }

        public override int GetHashCode()
        {
            return Value.GetHashCode();
        }

        public static bool operator ==(RigId left, RigId right)
        {
            return left.Equals(right);
        }

        public static bool operator !=(RigId left, RigId right)
        {
            return !left.Equals(right);
        }
    }
}

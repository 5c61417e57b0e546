// Reference declaration, compile check only (tests/Rig.Esp32.CompileCheck; excluded from the .nfproj, which gets the real
// nanoFramework.CoreLibrary package, mscorlib 1.17.x). It declares exactly the part of nanoFramework's mscorlib that the
// device sources (this application, Rig.Firmware.Core, Rig.Protocol, Native/NativeCapture.cs) use, plus the types the
// C# compiler itself needs to compile anything at all. Signatures follow github.com/nanoframework/CoreLibrary,
// nanoFramework.CoreLibrary/System/...; every body throws. The real assemblies carry no nullable annotations, so
// neither does this file. ApiReference/README.md lists each member with its source file.
#nullable disable

namespace System
{
    // ---- Types the compiler needs for any program (System/Object.cs, ValueType.cs, Enum.cs, Void.cs, the numeric
    // ---- structs, Array.cs, Delegate.cs, MulticastDelegate.cs, Attribute.cs, AttributeUsageAttribute.cs, ...)

    public class Object
    {
        public Object()
        {
        }

        public virtual bool Equals(object obj) { throw new NotImplementedException(); }

        public virtual int GetHashCode() { throw new NotImplementedException(); }

        public virtual string ToString() { throw new NotImplementedException(); }
    }

    public abstract class ValueType
    {
    }

    public abstract class Enum : ValueType
    {
    }

    public struct Void
    {
    }

    public struct Boolean
    {
    }

    public struct Char
    {
    }

    public struct SByte
    {
    }

    public struct Byte
    {
        public override string ToString() { throw new NotImplementedException(); }
    }

    public struct Int16
    {
    }

    public struct UInt16
    {
        public override string ToString() { throw new NotImplementedException(); }
    }

    public struct Int32
    {
        public const int MaxValue = 2147483647;
        public const int MinValue = -2147483648;

        public override string ToString() { throw new NotImplementedException(); }
    }

    public struct UInt32
    {
        public override string ToString() { throw new NotImplementedException(); }
    }

    public struct Int64
    {
        public override string ToString() { throw new NotImplementedException(); }
    }

    public struct UInt64
    {
        public override string ToString() { throw new NotImplementedException(); }
    }

    public struct Single
    {
    }

    public struct Double
    {
    }

    public struct IntPtr
    {
    }

    public struct UIntPtr
    {
    }

    public struct RuntimeTypeHandle
    {
    }

    public struct RuntimeFieldHandle
    {
    }

    public struct RuntimeMethodHandle
    {
    }

    public abstract class Delegate
    {
    }

    public abstract class MulticastDelegate : Delegate
    {
    }

    public abstract class Array
    {
        public int Length
        {
            get { throw new NotImplementedException(); }
        }

        public static void Copy(Array sourceArray, int sourceIndex, Array destinationArray, int destinationIndex, int length) { throw new NotImplementedException(); }

        public static void Clear(Array array, int index, int length) { throw new NotImplementedException(); }
    }

    // nanoFramework's String suppresses both warnings too: its hash code comes from the runtime (CLR_RT_HeapBlock::GetHashCode).
#pragma warning disable CS0659, CS0661
    public sealed class String
#pragma warning restore CS0659, CS0661
    {
        public static readonly string Empty = "";

        public override bool Equals(object obj) { throw new NotImplementedException(); }

        public String(char[] value, int startIndex, int length) { throw new NotImplementedException(); }

        [System.Runtime.CompilerServices.IndexerName("Chars")]
        public char this[int index]
        {
            get { throw new NotImplementedException(); }
        }

        public int Length
        {
            get { throw new NotImplementedException(); }
        }

        public static bool operator ==(string a, string b) { throw new NotImplementedException(); }

        public static bool operator !=(string a, string b) { throw new NotImplementedException(); }

        public string Substring(int startIndex, int length) { throw new NotImplementedException(); }

        public static string Concat(string str0, string str1) { throw new NotImplementedException(); }

        public static string Concat(string str0, string str1, string str2) { throw new NotImplementedException(); }

        public static string Concat(string str0, string str1, string str2, string str3) { throw new NotImplementedException(); }

        public static string Concat(params string[] values) { throw new NotImplementedException(); }
    }

    public abstract class Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = true)]
    public sealed class AttributeUsageAttribute : Attribute
    {
        public AttributeUsageAttribute(AttributeTargets validOn) { throw new NotImplementedException(); }

        public bool AllowMultiple
        {
            get { throw new NotImplementedException(); }
            set { throw new NotImplementedException(); }
        }

        public bool Inherited
        {
            get { throw new NotImplementedException(); }
            set { throw new NotImplementedException(); }
        }
    }

    [Flags]
    public enum AttributeTargets
    {
        Assembly = 0x0001,
        Module = 0x0002,
        Class = 0x0004,
        Struct = 0x0008,
        Enum = 0x0010,
        Constructor = 0x0020,
        Method = 0x0040,
        Property = 0x0080,
        Field = 0x0100,
        Event = 0x0200,
        Interface = 0x0400,
        Parameter = 0x0800,
        Delegate = 0x1000,
        ReturnValue = 0x2000,
        GenericParameter = 0x4000,
        All = Assembly | Module | Class | Struct | Enum | Constructor | Method | Property | Field | Event | Interface | Parameter | Delegate | ReturnValue | GenericParameter,
    }

    [AttributeUsage(AttributeTargets.Enum, Inherited = false)]
    public class FlagsAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
    public sealed class ParamArrayAttribute : Attribute
    {
    }

    public interface IDisposable
    {
        void Dispose();
    }

    // ---- Exceptions (System/Exception.cs, ArgumentException.cs, InvalidOperationException.cs, NotImplementedException.cs)

    public class Exception
    {
        public Exception() { throw new NotImplementedException(); }

        public Exception(string message) { throw new NotImplementedException(); }

        public Exception(string message, Exception innerException) { throw new NotImplementedException(); }

        public virtual string Message
        {
            get { throw new NotImplementedException(); }
        }
    }

    public class ArgumentException : Exception
    {
        public ArgumentException(string message) { throw new NotImplementedException(); }
    }

    public class InvalidOperationException : Exception
    {
        public InvalidOperationException(string message) { throw new NotImplementedException(); }
    }

    public class NotImplementedException : Exception
    {
        public NotImplementedException() { throw new NotImplementedException(); }
    }

    // ---- System/EventArgs.cs, System/Random.cs

    public class EventArgs
    {
    }

    public class Random
    {
        public Random() { throw new NotImplementedException(); }

        public virtual int Next() { throw new NotImplementedException(); }

        public virtual int Next(int maxValue) { throw new NotImplementedException(); }
    }
}

namespace System.Collections
{
    // System/Collections/ArrayList.cs: only named, as the type of M2Mqtt Publish's (always null) userProperties.
    public class ArrayList
    {
        private ArrayList()
        {
        }
    }
}

namespace System.Threading
{
    using System;

    // System/Threading/ThreadStart.cs, Thread.cs, WaitHandle.cs, AutoResetEvent.cs, Interlocked.cs, Monitor.cs

    public delegate void ThreadStart();

    public sealed class Thread
    {
        public Thread(ThreadStart start) { throw new NotImplementedException(); }

        public void Start() { throw new NotImplementedException(); }
    }

    public abstract class WaitHandle : MarshalByRefObject
    {
        public virtual bool WaitOne(int millisecondsTimeout, bool exitContext) { throw new NotImplementedException(); }
    }

    public sealed class AutoResetEvent : WaitHandle
    {
        public AutoResetEvent(bool initialState) { throw new NotImplementedException(); }

        public bool Set() { throw new NotImplementedException(); }
    }

    public static class Interlocked
    {
        public static int Increment(ref int location) { throw new NotImplementedException(); }
    }

    public static class Monitor
    {
        public static void Enter(object obj) { throw new NotImplementedException(); }

        public static void Exit(object obj) { throw new NotImplementedException(); }
    }
}

namespace System
{
    // System/MarshalByRefObject.cs: the base of WaitHandle.
    public abstract class MarshalByRefObject
    {
    }
}

namespace System.Diagnostics
{
    using System;

    // System/Diagnostics/Debug.cs (Conditional("DEBUG"): compiled out of Release builds) and ConditionalAttribute.cs.

    public static class Debug
    {
        [Conditional("DEBUG")]
        public static void WriteLine(string message) { throw new NotImplementedException(); }
    }

    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true)]
    public sealed class ConditionalAttribute : Attribute
    {
        public ConditionalAttribute(string conditionString) { throw new NotImplementedException(); }
    }
}

namespace System.Runtime.CompilerServices
{
    using System;

    // System/Runtime/CompilerServices/MethodImplAttribute.cs (interop declarations in NativeCapture.cs) and
    // IndexerNameAttribute.cs (String's indexer is "Chars").

    public enum MethodImplOptions
    {
        InternalCall = 0x1000,
    }

    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor)]
    public sealed class MethodImplAttribute : Attribute
    {
        public MethodImplAttribute(MethodImplOptions methodImplOptions) { throw new NotImplementedException(); }
    }

    [AttributeUsage(AttributeTargets.Property)]
    public sealed class IndexerNameAttribute : Attribute
    {
        public IndexerNameAttribute(string indexerName) { throw new NotImplementedException(); }
    }
}

namespace System.Reflection
{
    using System;

    // System/Reflection/AssemblyAttributes.cs: the interop library's AssemblyInfo.cs (Native/Properties).

    [AttributeUsage(AttributeTargets.Assembly)]
    public sealed class AssemblyVersionAttribute : Attribute
    {
        public AssemblyVersionAttribute(string version) { throw new NotImplementedException(); }
    }

    // System/Reflection/DefaultMemberAttribute.cs: the compiler marks String with it for the "Chars" indexer.
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface)]
    public sealed class DefaultMemberAttribute : Attribute
    {
        public DefaultMemberAttribute(string memberName) { throw new NotImplementedException(); }
    }

    [AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class, Inherited = false)]
    public sealed class AssemblyNativeVersionAttribute : Attribute
    {
        public AssemblyNativeVersionAttribute(string version) { throw new NotImplementedException(); }
    }
}

namespace System.IO
{
    using System;

    // System/IO/Stream.cs: the base of FileStream (System.IO.FileSystem).
    public abstract class Stream : MarshalByRefObject, IDisposable
    {
        public abstract long Length { get; }

        public abstract int Read(byte[] buffer, int offset, int count);

        public abstract void Write(byte[] buffer, int offset, int count);

        public void Dispose() { throw new NotImplementedException(); }
    }
}

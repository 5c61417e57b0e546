// Reference declaration, compile check only (README.md in this folder). nanoFramework.System.IO.Streams 1.1.96
// (assembly System.IO.Streams): System.IO.Stream lives in this assembly on nanoFramework, not in mscorlib, and the
// package is not on the NuGet feed this repository restores from. Source: github.com/nanoframework/System.IO.Streams,
// System.IO.Streams/Stream.cs (abstract class Stream : MarshalByRefObject, IDisposable; Length, Read, Write, Dispose).
// Only the members the device sources use are declared.
#nullable disable

namespace System.IO
{
    using System;

    public abstract class Stream : MarshalByRefObject, IDisposable
    {
        public abstract long Length { get; }

        public abstract int Read(byte[] buffer, int offset, int count);

        public abstract void Write(byte[] buffer, int offset, int count);

        public void Dispose() { throw new NotImplementedException(); }
    }
}

// Reference declaration, compile check only (README.md in this folder). nanoFramework.System.IO.FileSystem: the internal
// storage (I: drive) holding the device configuration and the boot counter. Sources:
// github.com/nanoframework/System.IO.FileSystem, System.IO.FileSystem/File.cs (Exists), FileStream.cs
// (ctor(string, FileMode, FileAccess), Length, Read, Write), FileMode.cs, FileAccess.cs.
#nullable disable

namespace System.IO
{
    using System;

    public static class File
    {
        public static bool Exists(string path) { throw new NotImplementedException(); }
    }

    public class FileStream : Stream
    {
        public FileStream(string path, FileMode mode, FileAccess access) { throw new NotImplementedException(); }

        public override long Length
        {
            get { throw new NotImplementedException(); }
        }

        public override int Read(byte[] buffer, int offset, int count) { throw new NotImplementedException(); }

        public override void Write(byte[] buffer, int offset, int count) { throw new NotImplementedException(); }
    }

    public enum FileMode
    {
        CreateNew = 1,
        Create = 2,
        Open = 3,
        OpenOrCreate = 4,
        Truncate = 5,
        Append = 6,
    }

    [Flags]
    public enum FileAccess
    {
        Read = 1,
        Write = 2,
        ReadWrite = 3,
    }
}

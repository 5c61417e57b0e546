// Reference declaration, compile check only (README.md in this folder). System.Text.Encoding as nanoFramework has it:
// Encoding.UTF8, GetBytes(string) (nanoFramework CoreLibrary's own tests, UTF8EncodingTests.GetBytes1:
// "_encoding.GetBytes(\"nanoFramework\")" with _encoding = Encoding.UTF8) and GetString(byte[], int, int), exercised in github.com/nanoframework/System.Text,
// Tests/NFUnitTestEncoding/EncodingTests.cs ("Encoding.UTF8.GetString(input, 0, input.Length)").
#nullable disable

namespace System.Text
{
    using System;

    public abstract class Encoding
    {
        public static Encoding UTF8
        {
            get { throw new NotImplementedException(); }
        }

        public virtual byte[] GetBytes(string s) { throw new NotImplementedException(); }

        public virtual string GetString(byte[] bytes, int index, int count) { throw new NotImplementedException(); }
    }
}

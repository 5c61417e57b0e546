// Reference declaration, compile check only (README.md in this folder). nanoFramework.System.Device.Gpio, used for the
// status LED only (the timed signals belong to the native module). Sources: github.com/nanoframework/System.Device.Gpio,
// System.Device.Gpio/GpioController.cs (ctor(), OpenPin(int, PinMode), Write(int, PinValue), Dispose()),
// GpioPin.cs, PinMode.cs, PinValue.cs (High, Low).
#nullable disable

namespace System.Device.Gpio
{
    using System;

    public sealed class GpioController : IDisposable
    {
        public GpioController() { throw new NotImplementedException(); }

        public GpioPin OpenPin(int pinNumber, PinMode mode) { throw new NotImplementedException(); }

        public void Write(int pinNumber, PinValue value) { throw new NotImplementedException(); }

        public void Dispose() { throw new NotImplementedException(); }
    }

    public class GpioPin
    {
        private GpioPin()
        {
        }
    }

    public enum PinMode
    {
        Input,
        InputPullDown,
        InputPullUp,
        Output,
        OutputOpenDrain,
        OutputOpenDrainPullUp,
        OutputOpenSource,
        OutputOpenSourcePullDown,
    }

    public readonly struct PinValue
    {
        public static PinValue High
        {
            get { throw new NotImplementedException(); }
        }

        public static PinValue Low
        {
            get { throw new NotImplementedException(); }
        }
    }
}

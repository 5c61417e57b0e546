/* Stand-in declaration for the syntax check in firmware/native/CMakeLists.txt: only the names and signatures the
 * port or the interop stubs use, copied from the ESP-IDF 5.x / nf-interpreter headers. Not the real header. */
#pragma once
#include <stdint.h>
typedef int HRESULT;
#define S_OK 0
#define FAILED(hr) ((hr) < 0)
#define __int64 long long
struct CLR_RT_StackFrame;
struct CLR_RECORD_VERSION { unsigned short a, b, c, d; };
#define NANOCLR_NATIVE_DECLARE(mtd) static HRESULT mtd(CLR_RT_StackFrame &stack)
typedef HRESULT (*CLR_RT_MethodHandler)(CLR_RT_StackFrame &stack);
struct CLR_RT_NativeAssemblyData { const char *m_szAssemblyName; unsigned int m_checkSum; const void *m_pNativeMethods; CLR_RECORD_VERSION m_Version; };
#define NANOCLR_HEADER() HRESULT hr
#define NANOCLR_LEAVE() goto nanoCLR_Cleanup
#define NANOCLR_CHECK_HRESULT(expr) { if (FAILED(hr = (expr))) NANOCLR_LEAVE(); }
#define NANOCLR_NOCLEANUP() hr = S_OK; nanoCLR_Cleanup: return hr
template <class T> class CLR_RT_TypedArray { T *m_pData = 0; unsigned int m_ElemCount = 0; public: T *GetBuffer() { return m_pData; } unsigned int GetSize() { return m_ElemCount; } };
typedef CLR_RT_TypedArray<unsigned char> CLR_RT_TypedArray_UINT8;
HRESULT Interop_Marshal_bool(const CLR_RT_StackFrame &, unsigned int, bool &);
HRESULT Interop_Marshal_UINT8(const CLR_RT_StackFrame &, unsigned int, unsigned char &);
HRESULT Interop_Marshal_UINT16(const CLR_RT_StackFrame &, unsigned int, unsigned short int &);
HRESULT Interop_Marshal_UINT32(const CLR_RT_StackFrame &, unsigned int, unsigned int &);
HRESULT Interop_Marshal_UINT64(const CLR_RT_StackFrame &, unsigned int, unsigned __int64 &);
HRESULT Interop_Marshal_INT32(const CLR_RT_StackFrame &, unsigned int, signed int &);
HRESULT Interop_Marshal_UINT8_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray_UINT8 &);
void SetResult_bool(CLR_RT_StackFrame &, bool);
void SetResult_INT32(CLR_RT_StackFrame &, signed int);
void SetResult_INT64(CLR_RT_StackFrame &, signed __int64);
void SetResult_UINT32(CLR_RT_StackFrame &, unsigned int);
void SetResult_UINT64(CLR_RT_StackFrame &, unsigned __int64);

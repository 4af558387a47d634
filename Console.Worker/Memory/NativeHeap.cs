using System.Runtime.InteropServices;

namespace Console.Worker.Memory;

/// <summary>
/// The C library's heap (glibc's malloc). Memory the runtime, SQLite and OpenSSL free stays in its
/// arenas, counted in the process's resident memory, until <c>malloc_trim</c> returns the free pages.
/// </summary>
public static partial class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Whether trimming can work here: Linux with glibc (musl and other systems have no malloc_trim).</summary>
    public static bool CanTrim => !_unavailable;

    /// <summary>Returns the heap's free pages to the operating system; false where there is no such call.</summary>
    public static bool Trim()
    {
        if (_unavailable)
        {
            return false;
        }

        try
        {
            // Pad 0: keep nothing spare at the top of the heap. The result only says whether anything was released.
            _ = MallocTrim(0);
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
            return false;
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would make the project compile unsafe code for one call without marshalling.
    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
#pragma warning restore SYSLIB1054
}

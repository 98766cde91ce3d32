using System.Runtime.InteropServices;

namespace Hil.Harness.Support;

/// <summary>
/// Linux's SCHED_BATCH policy for a process the harness started: the scheduler does not let such a process preempt
/// the thread that woke it. A native node on the virtual clock runs only when the harness hands it a step; as an
/// ordinary process it was often switched in on the harness's CPU in the middle of that hand-over (the very write
/// that woke it), so the harness stood still for the node's work before it had even begun to wait for it. As a
/// batch process it runs on the other CPU, or as soon as the harness waits. What the node does and its device time
/// do not change.
/// </summary>
public static partial class BatchScheduling
{
    private const int SchedBatch = 3; // <sched.h>

    /// <summary>Puts the process in SCHED_BATCH (static priority 0, as the policy requires); false where that is refused or not Linux.</summary>
    public static bool TryApply(int processId)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var parameters = new SchedParam { Priority = 0 };
        return SchedSetScheduler(processId, SchedBatch, ref parameters) == 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SchedSetScheduler(int processId, int policy, ref SchedParam parameters);
}

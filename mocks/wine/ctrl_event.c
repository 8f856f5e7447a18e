/* Test scaffolding for the Windows lane, never shipped: presses Ctrl-C or
 * Ctrl-Break in the console of process PID, as a user at that console
 * would.
 *
 * usage: ctrl_event.exe c|break PID
 *
 * A console control event reaches every process attached to the console
 * it is generated in, so this helper leaves its own console, attaches to
 * the target's, ignores the event itself, and generates it for the whole
 * console (process group 0: Windows delivers Ctrl-C to no narrower group).
 * The target must own its console (started with CREATE_NO_WINDOW or
 * CREATE_NEW_CONSOLE), or the test runner would receive the event too.
 *
 * Wine 8's wineserver generates only Ctrl-C: it answers a Ctrl-Break
 * request with STATUS_NOT_IMPLEMENTED (server/console.c,
 * propagate_console_signal, "FIXME: should support the other events").
 * Then the event is delivered the way Windows' console host itself
 * delivers one: a thread started in the target at kernelbase's
 * CtrlRoutine with the event as its argument, which runs the target's
 * handlers in order. kernelbase is mapped at the same address in every
 * process of a session, so this process's CtrlRoutine is the target's.
 *
 * Prints how the event was delivered; exit 0 when it was, 2 with a
 * sentence on stderr when not.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static BOOL WINAPI ignore(DWORD event)
{
    (void)event;
    return TRUE;
}

static int remote_ctrl_routine(DWORD pid, DWORD event)
{
    HMODULE kb = GetModuleHandleA("kernelbase.dll");
    FARPROC routine = kb ? GetProcAddress(kb, "CtrlRoutine") : NULL;
    HANDLE process, thread;
    if (!routine) {
        fprintf(stderr, "ctrl_event: kernelbase.dll exports no CtrlRoutine\n");
        return 2;
    }
    process = OpenProcess(PROCESS_CREATE_THREAD | PROCESS_QUERY_INFORMATION |
                              PROCESS_VM_OPERATION | PROCESS_VM_WRITE | PROCESS_VM_READ,
                          FALSE, pid);
    if (!process) {
        fprintf(stderr, "ctrl_event: cannot open process %lu (error %lu)\n",
                (unsigned long)pid, (unsigned long)GetLastError());
        return 2;
    }
    thread = CreateRemoteThread(process, NULL, 0, (LPTHREAD_START_ROUTINE)(void *)routine,
                                (LPVOID)(ULONG_PTR)event, 0, NULL);
    if (!thread) {
        fprintf(stderr, "ctrl_event: cannot start CtrlRoutine in process %lu (error %lu)\n",
                (unsigned long)pid, (unsigned long)GetLastError());
        return 2;
    }
    CloseHandle(thread);
    CloseHandle(process);
    printf("CtrlRoutine thread\n");
    return 0;
}

int main(int argc, char **argv)
{
    DWORD event, pid;
    if (argc != 3 || (strcmp(argv[1], "c") && strcmp(argv[1], "break"))) {
        fprintf(stderr, "usage: ctrl_event.exe c|break PID\n");
        return 2;
    }
    event = strcmp(argv[1], "c") == 0 ? CTRL_C_EVENT : CTRL_BREAK_EVENT;
    pid = (DWORD)strtoul(argv[2], NULL, 10);
    FreeConsole();
    if (!AttachConsole(pid)) {
        fprintf(stderr, "ctrl_event: cannot attach to the console of process %lu (error %lu)\n",
                (unsigned long)pid, (unsigned long)GetLastError());
        return 2;
    }
    SetConsoleCtrlHandler(ignore, TRUE);
    if (!GenerateConsoleCtrlEvent(event, 0)) {
        DWORD err = GetLastError();
        if (event == CTRL_BREAK_EVENT)
            return remote_ctrl_routine(pid, event);
        fprintf(stderr, "ctrl_event: GenerateConsoleCtrlEvent failed (error %lu)\n",
                (unsigned long)err);
        return 2;
    }
    printf("GenerateConsoleCtrlEvent\n");
    /* The event is delivered on a thread of each process; stay attached
     * until the target's has started, so the console outlives it. */
    Sleep(500);
    return 0;
}

/*
 * A program's first instruction, as the kernel starts it: every general
 * register zero but rsp, no arithmetic flag set, argc/argv on the stack.
 * Exits 0 when that holds, 1 for a non-zero register, 2 for a flag, 3 for
 * the stack. Built static with no libc (tests/integration/CMakeLists.txt),
 * so nothing runs before _start: under agentsh, the exec-time set-up of the
 * scratch region must leave exactly this state behind.
 */
#if defined(__x86_64__)
__asm__(".globl _start\n"
	"_start:\n"
	"	pushfq\n"
	"	pop %r15\n" /* r15 was zero: checked below through its copy */
	"	mov %rax, %r14\n"
	"	or %rbx, %r14\n"
	"	or %rcx, %r14\n"
	"	or %rdx, %r14\n"
	"	or %rsi, %r14\n"
	"	or %rdi, %r14\n"
	"	or %rbp, %r14\n"
	"	or %r8, %r14\n"
	"	or %r9, %r14\n"
	"	or %r10, %r14\n"
	"	or %r11, %r14\n"
	"	or %r12, %r14\n"
	"	or %r13, %r14\n"
	"	mov $1, %edi\n"
	"	test %r14, %r14\n"
	"	jnz 1f\n"
	"	mov $2, %edi\n"
	"	test $0xcd5, %r15\n" /* CF PF AF ZF SF DF OF */
	"	jnz 1f\n"
	"	mov $3, %edi\n"
	"	cmpq $1, (%rsp)\n" /* argc: run without arguments */
	"	jne 1f\n"
	"	cmpq $0, 8(%rsp)\n" /* argv[0] */
	"	je 1f\n"
	"	cmpq $0, 16(%rsp)\n" /* argv[1] = NULL */
	"	jne 1f\n"
	"	xor %edi, %edi\n"
	"1:	mov $60, %eax\n"
	"	syscall\n");
#else
int main(void)
{
	return 0;
}
#endif

#include <stdio.h>

int main(void)
{
	printf("Hello from debyard-test-any, built for %s\n", ARCH);
	return 0;
}

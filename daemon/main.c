/* main.c - the rtlassist executable: hands argv to the command-line dispatcher. */
#include "daemon/cli.h"

int main(int argc, char **argv)
{
	return ra_cli_main(argc, argv);
}

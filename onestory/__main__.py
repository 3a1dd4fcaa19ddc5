from onestory.cli import main

main()

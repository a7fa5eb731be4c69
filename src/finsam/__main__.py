from finsam.cli import main

main()

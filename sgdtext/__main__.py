from sgdtext.cli import main

main()

module example.com/shared-folder

go 1.26

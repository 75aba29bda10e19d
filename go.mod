module github.com/ecforce-logiless/connector

go 1.26.8

require (
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	github.com/kelseyhightower/envconfig v1.4.0 // indirect
	go.temporal.io/sdk v1.51.0 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/time v0.16.0 // indirect
)

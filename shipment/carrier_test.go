package shipment

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/ecforce"
)

func TestResolveCarrier(t *testing.T) {
	shop := []ecforce.ShippingCarrier{{ID: 1, Name: "ヤマト運輸"}, {ID: 2, Name: "佐川急便"}, {ID: 3, Name: "日本郵便"}}
	twoYamato := []ecforce.ShippingCarrier{{ID: 1, Name: "ヤマト運輸", State: "inactive"}, {ID: 4, Name: "ヤマト運輸(新)"}, {ID: 5, Name: "クロネコ"}}
	onlyInactive := []ecforce.ShippingCarrier{{ID: 1, Name: "ヤマト運輸", State: "inactive"}, {ID: 2, Name: "佐川急便"}}
	inactiveSagawaName := []ecforce.ShippingCarrier{{ID: 7, Name: "佐川急便", State: "inactive"}, {ID: 8, Name: "佐川急便 飛脚宅配便"}}
	importMethods := map[string]string{"佐川急便": "sagawa"}
	listErr := errors.New("list failed")
	tests := []struct {
		name      string
		method    string
		current   int64
		carriers  map[string]int64
		list      []ecforce.ShippingCarrier
		listErr   error
		want      Carrier
		wantLists int
		wantErr   string
	}{
		{name: "shops file mapping wins", method: "yamato", carriers: map[string]int64{"yamato": 3}, list: shop, want: Carrier{ID: 3, Name: "日本郵便"}, wantLists: 1},
		{name: "order import's carrier name for the method", method: "sagawa", list: shop, want: Carrier{ID: 2, Name: "佐川急便"}, wantLists: 1},
		{name: "carrier name matching the method", method: "yu_packet", list: shop, want: Carrier{ID: 3, Name: "日本郵便"}, wantLists: 1},
		{name: "no delivery method leaves the carrier", method: "", list: shop, want: Carrier{}},
		{name: "several matches prefer the order's carrier", method: "yamato", current: 6, list: append(twoYamato, ecforce.ShippingCarrier{ID: 6, Name: "ヤマト運輸 西日本"}), want: Carrier{ID: 6, Name: "ヤマト運輸 西日本"}, wantLists: 1},
		{name: "several matches prefer an active one", method: "yamato", list: twoYamato, want: Carrier{ID: 4, Name: "ヤマト運輸(新)"}, wantLists: 1},
		{name: "the order's carrier is not kept when it is inactive", method: "yamato", current: 1, list: twoYamato, want: Carrier{ID: 4, Name: "ヤマト運輸(新)"}, wantLists: 1},
		{name: "an inactive name match gives way to an active keyword match", method: "sagawa", list: inactiveSagawaName, want: Carrier{ID: 8, Name: "佐川急便 飛脚宅配便"}, wantLists: 1},
		{name: "unknown carrier fails naming the method", method: "seino", list: shop, wantLists: 1,
			wantErr: `delivery method "seino" matches no ecforce 配送業者 (the shop has: 1 ヤマト運輸, 2 佐川急便, 3 日本郵便); add ` + "`seino: <shipping_carrier_id>`"},
		{name: "only an inactive match fails naming it", method: "yamato", list: onlyInactive, wantLists: 1,
			wantErr: `delivery method "yamato" matches only inactive ecforce 配送業者 (1 ヤマト運輸 (inactive)); activate one in ecforce or add ` + "`yamato: <shipping_carrier_id>`"},
		{name: "a configured carrier the shop does not have fails at once", method: "yamato", carriers: map[string]int64{"yamato": 9}, list: shop, wantLists: 1,
			wantErr: `shipment_notification.carriers maps delivery method "yamato" to shipping_carrier_id 9, which the shop does not have (the shop has: 1 ヤマト運輸, 2 佐川急便, 3 日本郵便)`},
		{name: "a configured inactive carrier fails naming it", method: "yamato", carriers: map[string]int64{"yamato": 1}, list: twoYamato, wantLists: 1,
			wantErr: `shipment_notification.carriers maps delivery method "yamato" to ecforce 配送業者 1 ヤマト運輸 (inactive), which is inactive`},
		{name: "the list's error comes back as it is", method: "sagawa", listErr: listErr, wantLists: 1, wantErr: "list failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lists := 0
			got, err := ResolveCarrier(tt.method, tt.current, CarrierSettings{Carriers: tt.carriers, DeliveryMethods: importMethods},
				func() ([]ecforce.ShippingCarrier, error) { lists++; return tt.list, tt.listErr })
			if lists != tt.wantLists {
				t.Errorf("%d carrier lists read, want %d", lists, tt.wantLists)
			}
			if tt.wantErr != "" {
				var unmapped *UnmappedCarrierError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || (tt.listErr == nil) != errors.As(err, &unmapped) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("carrier = %+v, want %+v", got, tt.want)
			}
		})
	}
}

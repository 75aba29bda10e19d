package ecforceapi

import (
	"slices"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Address is a shipping or billing address.
type Address struct {
	ID             int64  `json:"id"`
	Name01         string `json:"name01"`
	Name02         string `json:"name02"`
	Kana01         string `json:"kana01"`
	Kana02         string `json:"kana02"`
	CompanyName    string `json:"company_name"`
	Zip01          string `json:"zip01"`
	Zip02          string `json:"zip02"`
	PrefectureID   int    `json:"prefecture_id"`
	PrefectureName string `json:"prefecture_name"`
	Addr01         string `json:"addr01"`
	Addr02         string `json:"addr02"`
	Addr03         string `json:"addr03"`
	Tel01          string `json:"tel01"`
	Tel02          string `json:"tel02"`
	Tel03          string `json:"tel03"`
}

func (e *Server) normalizeAddressLocked(a Address) Address {
	e.seq.address++
	a.ID = e.seq.address
	if a.PrefectureID == 0 && a.PrefectureName != "" {
		if i := slices.Index(prefectures, a.PrefectureName); i >= 0 {
			a.PrefectureID = i + 1
		}
	}
	if a.PrefectureName == "" && a.PrefectureID >= 1 && a.PrefectureID <= len(prefectures) {
		a.PrefectureName = prefectures[a.PrefectureID-1]
	}
	return a
}

// prefectures lists the 47 prefectures by JIS code (index+1).
var prefectures = []string{
	"北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
	"埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
	"岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
	"鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
	"佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
}

func addressResource(a Address) resource {
	return resource{
		ID: idStr(a.ID), Type: "address",
		Attributes: map[string]any{
			"id":              a.ID,
			"name01":          a.Name01,
			"name02":          a.Name02,
			"kana01":          a.Kana01,
			"kana02":          a.Kana02,
			"company_name":    httpfake.NullIfEmpty(a.CompanyName),
			"zip01":           a.Zip01,
			"zip02":           a.Zip02,
			"prefecture_id":   a.PrefectureID,
			"prefecture_name": a.PrefectureName,
			"addr01":          a.Addr01,
			"addr02":          a.Addr02,
			"addr03":          httpfake.NullIfEmpty(a.Addr03),
			"tel01":           a.Tel01,
			"tel02":           a.Tel02,
			"tel03":           a.Tel03,
			"full_name":       a.Name01 + " " + a.Name02,
			"full_kana":       a.Kana01 + " " + a.Kana02,
			"full_zip":        a.Zip01 + "-" + a.Zip02,
			"full_tel":        a.Tel01 + "-" + a.Tel02 + "-" + a.Tel03,
			"full_address":    a.PrefectureName + a.Addr01 + a.Addr02 + a.Addr03,
		},
	}
}

#include "model/upu_s10.h"

namespace pw {

bool isValidS10(std::string_view n) {
  if (n.size() != 13) return false;
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!upper(n[0]) || !upper(n[1]) || !upper(n[11]) || !upper(n[12])) return false;
  for (int i = 2; i < 11; ++i)
    if (!digit(n[i])) return false;
  static constexpr int kWeights[] = {8, 6, 4, 2, 3, 5, 9, 7};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (n[2 + i] - '0') * kWeights[i];
  int check = 11 - sum % 11;
  if (check == 10) check = 0;
  if (check == 11) check = 5;
  return check == n[10] - '0';
}

}  // namespace pw
